// `/v1/responses` through clients that default to the Responses API, installed from npm and
// used unmodified: the Vercel AI SDK (`openai("model")`: generateText, streamText, a tool
// round trip) and LangChain JS (`ChatOpenAI` with `useResponsesApi`), each against an
// upstream without the Responses API (rungpt translates) and one with it (rungpt relays).
import assert from "node:assert/strict";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "npm:ai@^7";
import { createOpenAI } from "npm:@ai-sdk/openai@^4";
import { ChatOpenAI } from "npm:@langchain/openai@^1";
import {
  hasResults,
  lastContent,
  resultBlocks,
  startActionsEnv,
  TEXT_ARGS,
} from "../support/action_fixtures.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

async function setup(replies: Reply[], responses: boolean) {
  const model = await startScriptedModel({ replies, responses });
  const rg = await startRungpt({ model });
  const baseURL = rg.origin + "/v1";
  return {
    model,
    rg,
    ai: createOpenAI({ baseURL, apiKey: rg.token }),
    langchain: (extra: Record<string, unknown> = {}) =>
      new ChatOpenAI({
        model: "gpt-4o",
        apiKey: rg.token,
        configuration: { baseURL },
        useResponsesApi: true,
        maxRetries: 0,
        ...extra,
      }),
    async [Symbol.asyncDispose]() {
      await rg.close();
      await model.close();
    },
  };
}

const UPSTREAMS = [["translated", false], ["relayed", true]] as const;

for (const [how, responses] of UPSTREAMS) {
  Deno.test(`AI SDK: generateText and streamText over /v1/responses (${how})`, async () => {
    await using env = await setup([{ text: "Hello from rungpt" }, {
      chunks: ["Str", "eamed", " text"],
    }], responses);
    const whole = await generateText({ model: env.ai("gpt-4o"), prompt: "Say hello" });
    assert.equal(whole.text, "Hello from rungpt");
    assert.equal(whole.finishReason, "stop");
    assert.ok((whole.usage.inputTokens ?? 0) > 0);
    const streamed = streamText({ model: env.ai("gpt-4o"), prompt: "Stream" });
    const parts: string[] = [];
    for await (const part of streamed.textStream) parts.push(part);
    assert.equal(parts.join(""), "Streamed text");
    assert.ok(parts.length >= 3, "the text arrives in pieces");
    assert.equal(await streamed.finishReason, "stop");
    assert.equal(env.model.responsesRequests().length, responses ? 2 : 1);
    assert.equal(env.model.chatRequests().length, responses ? 0 : 2);
  });

  Deno.test(`AI SDK: a tool round trip over /v1/responses (${how})`, async () => {
    await using env = await setup([
      { toolCalls: [{ id: "call_1", name: "add", arguments: '{"a":2,"b":3}' }] },
      { text: "2 + 3 = 5" },
    ], responses);
    const seen: unknown[] = [];
    const result = await generateText({
      model: env.ai("gpt-4o"),
      prompt: "Add 2 and 3",
      stopWhen: stepCountIs(3),
      tools: {
        add: tool({
          description: "Adds two numbers.",
          inputSchema: jsonSchema<{ a: number; b: number }>({
            type: "object",
            properties: { a: { type: "number" }, b: { type: "number" } },
            required: ["a", "b"],
          }),
          execute: ({ a, b }) => {
            seen.push({ a, b });
            return Promise.resolve(String(a + b));
          },
        }),
      },
    });
    assert.deepEqual(seen, [{ a: 2, b: 3 }]);
    assert.equal(result.text, "2 + 3 = 5");
    if (!responses) {
      const second = env.model.chatRequests()[1].body.messages;
      assert.equal(second.at(-1).role, "tool");
      assert.equal(second.at(-1).tool_call_id, "call_1");
      assert.match(second.at(-1).content, /5/);
    } else {
      const input = env.model.responsesRequests()[1].body.input;
      assert.ok(input.some((i: { type?: string }) => i.type === "function_call_output"));
    }
  });

  Deno.test(`LangChain: ChatOpenAI with useResponsesApi, invoke and stream (${how})`, async () => {
    await using env = await setup([{ text: "Bonjour" }, { chunks: ["Sa", "lut"] }], responses);
    const chat = env.langchain();
    const answer = await chat.invoke("Say hello in French");
    assert.equal(answer.text, "Bonjour");
    const pieces: string[] = [];
    for await (const chunk of await chat.stream("Again")) pieces.push(chunk.text);
    assert.equal(pieces.join(""), "Salut");
    assert.equal(env.model.responsesRequests().length, responses ? 2 : 1);
  });
}

Deno.test("AI SDK and LangChain over /v1/responses with a plugin: the action's result is applied", async () => {
  const probe = {
    name: "probe",
    wasm: "echo",
    actions: [{ name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS }],
  };
  const responder = (req: RecordedRequest): Reply => {
    if (hasResults(req)) return { text: `Result: ${resultBlocks(lastContent(req))[0].body}` };
    return { text: 'Checking. <action name="probe.upper">{"text":"hi"}</action>' };
  };
  await using env = await startActionsEnv(responder, [probe]);
  const baseURL = env.rg.origin + "/v1";
  const expected = 'Checking. \n\nResult: {"TEXT":"HI"}';
  const ai = createOpenAI({ baseURL, apiKey: env.rg.token });
  assert.equal((await generateText({ model: ai("gpt-4o"), prompt: "upper" })).text, expected);
  const streamed = streamText({ model: ai("gpt-4o"), prompt: "upper" });
  let text = "";
  for await (const part of streamed.textStream) text += part;
  assert.equal(text, expected);
  const chat = new ChatOpenAI({
    model: "gpt-4o",
    apiKey: env.rg.token,
    configuration: { baseURL },
    useResponsesApi: true,
    maxRetries: 0,
  });
  assert.equal((await chat.invoke("upper")).text, expected);
  assert.equal(env.model.responsesRequests().length, 0, "the action loop asks chat completions");
});
