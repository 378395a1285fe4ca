// With a plugin enabled, `/v1` still passes on what the upstream sends that the action loop
// does not need (log probabilities of every round, reasoning text under the upstream's own
// field name, the system fingerprint), streamed and not, through the real `openai` client;
// and `/v1/responses` runs the same action loop, so the action's result is applied.
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  hasResults,
  lastContent,
  resultBlocks,
  startActionsEnv,
  TEXT_ARGS,
} from "../support/action_fixtures.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [{ name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS }],
};

const ROUND_1 = 'Checking. <action name="probe.upper">{"text":"hi"}</action>';

/** Round 1 reasons and calls probe.upper; round 2 reasons and reports the result. */
function reasoningResponder(field: "reasoning_content" | "reasoning") {
  return (req: RecordedRequest): Reply => {
    if (hasResults(req)) {
      const [block] = resultBlocks(lastContent(req));
      return { reasoning: ["Got it."], reasoningField: field, text: `Result: ${block.body}` };
    }
    return { reasoning: ["Let me ", "check."], reasoningField: field, text: ROUND_1 };
  };
}

async function setup(field: "reasoning_content" | "reasoning" = "reasoning_content") {
  const env = await startActionsEnv(reasoningResponder(field), [PROBE]);
  const openai = new OpenAI({
    baseURL: env.rg.origin + "/v1",
    apiKey: env.rg.token,
    maxRetries: 0,
  });
  return Object.assign(env, { openai });
}

const EXPECTED = 'Checking. \n\nResult: {"TEXT":"HI"}';
const ROUND_2 = 'Result: {"TEXT":"HI"}';

Deno.test("/v1 with a plugin: logprobs, reasoning and fingerprint in a whole answer", async () => {
  await using env = await setup();
  const done = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    logprobs: true,
    top_logprobs: 2,
  });
  const message = done.choices[0].message as typeof done.choices[0]["message"] & {
    reasoning_content?: string;
  };
  assert.equal(message.content, EXPECTED);
  assert.equal(message.reasoning_content, "Let me check.Got it.");
  assert.equal(done.system_fingerprint, "fp_scripted");
  // Every round's tokens, in order: the raw text the model wrote, tag and all.
  const tokens = done.choices[0].logprobs?.content?.map((t) => t.token).join("");
  assert.equal(tokens, ROUND_1 + ROUND_2);
  for (const request of env.model.chatRequests()) {
    assert.equal(request.body.logprobs, true);
    assert.equal(request.body.top_logprobs, 2);
  }
});

for (const field of ["reasoning_content", "reasoning"] as const) {
  Deno.test(`/v1 with a plugin: a stream passes on ${field} and logprobs as they come`, async () => {
    await using env = await setup(field);
    const stream = await env.openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "upper" }],
      logprobs: true,
      stream: true,
    });
    let text = "";
    let reasoning = "";
    let tokens = "";
    const fingerprints = new Set<string | null | undefined>();
    for await (const chunk of stream) {
      fingerprints.add(chunk.system_fingerprint);
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as Record<string, string | undefined>;
      text += delta.content ?? "";
      reasoning += delta[field] ?? "";
      tokens += choice.logprobs?.content?.map((t) => t.token).join("") ?? "";
    }
    assert.equal(text, EXPECTED);
    assert.equal(reasoning, "Let me check.Got it.");
    assert.equal(tokens, ROUND_1 + ROUND_2);
    assert.deepEqual([...fingerprints], ["fp_scripted"]);
  });
}

Deno.test("/v1/responses with a plugin: the action runs and its result is applied", async () => {
  await using env = await setup();
  const whole = await env.openai.responses.create({ model: "gpt-4o", input: "upper" });
  assert.equal(whole.output_text, EXPECTED);
  assert.deepEqual(whole.output.map((i) => i.type), ["reasoning", "message"]);
  // Asked as chat completions (the action loop's way), never relayed to /responses.
  assert.equal(env.model.responsesRequests().length, 0);
  assert.equal(env.model.chatRequests().length, 2);

  const stream = await env.openai.responses.create({
    model: "gpt-4o",
    input: "upper",
    stream: true,
  });
  let text = "";
  let reasoning = "";
  let final: OpenAI.Responses.Response | null = null;
  for await (const event of stream) {
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
    if (event.type === "response.completed") final = event.response;
  }
  assert.equal(text, EXPECTED);
  assert.equal(reasoning, "Let me check.Got it.");
  assert.ok(final && final.usage && final.usage.output_tokens > 0);
});
