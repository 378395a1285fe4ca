// Upstreams that cannot stream tool calls: a round with tools whose stream fails (a 5xx, a
// malformed stream) is asked again without streaming, the answer goes through the same path,
// and the model is remembered so later turns ask such rounds whole at once. And auto mode gives
// up native tools only for a refusal about tools, not for any 400.
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  messagesOf,
  newConversation,
  putSettings,
  startActionsEnv,
  TEXT_ARGS,
  toolResults,
  turn,
} from "../support/action_fixtures.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [{ name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS }],
};

/** Calls probe.upper, then reports the result; `broken` is how a streamed request with tools fails. */
function toolServer(broken: (req: RecordedRequest) => Reply) {
  return (req: RecordedRequest): Reply => {
    if (req.body.tools && req.body.stream) return broken(req);
    const results = toolResults(req);
    if (results.length) return { text: `Got ${results[0][1]}` };
    if (messagesOf(req).at(-1).content === "Again") return { text: "Plain again." };
    return { toolCalls: [{ id: "call_1", name: "probe__upper", arguments: '{"text":"ok"}' }] };
  };
}

async function streamToolsList(env: Awaited<ReturnType<typeof startActionsEnv>>) {
  const settings = await (await env.rg.api("/api/settings")).json();
  return settings.actions.streamToolsUnsupported;
}

Deno.test("chat: a 500 to a streamed round with tools is retried without streaming and remembered", async () => {
  await using env = await startActionsEnv(
    toolServer(() => ({ status: 500, message: "failed to parse tool call stream" })),
    [PROBE],
    { mode: "native" },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Shout ok");
  assert.equal(message.status, "complete", message.error ?? "");
  assert.equal(message.content, 'Got {"TEXT":"OK"}');
  const requests = env.model.chatRequests();
  assert.deepEqual(
    requests.map((r) => [Boolean(r.body.tools), r.body.stream === true]),
    [[true, true], [true, false], [true, false]],
    "streamed, then the same round whole, then the results round whole",
  );
  assert.ok(requests.every((r) => r.body.tools));
  assert.ok(!requests[1].body.stream_options, "no stream_options without streaming");
  assert.deepEqual(messagesOf(requests[1]), messagesOf(requests[0]), "the same round again");
  assert.deepEqual(await streamToolsList(env), ["gpt-4o"]);

  // Remembered: the next turn asks its round with tools whole at once.
  const next = await turn(env.rg, conv.id, "Again");
  assert.equal(next.content, "Plain again.");
  const after = env.model.chatRequests().slice(3);
  assert.equal(after.length, 1);
  assert.notEqual(after[0].body.stream, true);

  // Resettable like the tags-only list.
  await putSettings(env.rg, { remove: { streamToolsUnsupported: ["gpt-4o"] } });
  assert.deepEqual(await streamToolsList(env), []);
});

Deno.test("/v1 with plugins: a malformed stream on tools is retried whole; the client's stream succeeds", async () => {
  await using env = await startActionsEnv(
    toolServer(() => ({
      toolCalls: [{ name: "probe__upper", arguments: "{}" }],
      malformedAfter: 0,
    })),
    [PROBE],
    { mode: "native" },
  );
  const openai = new OpenAI({
    baseURL: env.rg.origin + "/v1",
    apiKey: env.rg.token,
    maxRetries: 0,
  });
  const stream = await openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Shout ok" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, 'Got {"TEXT":"OK"}');
  const requests = env.model.chatRequests();
  assert.deepEqual(requests.map((r) => r.body.stream === true), [true, false, false]);
  assert.ok(!requests[1].body.stream_options);
  // The answer did not wait for it to be saved.
  for (let i = 0; i < 100 && (await streamToolsList(env)).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(await streamToolsList(env), ["gpt-4o"]);
});

Deno.test("chat: a round with tools that fails whole too is an error, and nothing is remembered", async () => {
  await using env = await startActionsEnv(
    () => ({ status: 500, message: "down for maintenance" }),
    [PROBE],
    { mode: "native" },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Shout ok");
  assert.equal(message.status, "error");
  assert.match(message.error!, /down for maintenance/);
  assert.deepEqual(env.model.chatRequests().map((r) => r.body.stream === true), [true, false]);
  assert.deepEqual(await streamToolsList(env), []);
});

Deno.test("auto: a 400 that is not about tools is sent once, and tools are not given up", async () => {
  await using env = await startActionsEnv(
    () => ({
      status: 400,
      message: "This model's maximum context length is 8192 tokens.",
      code: "context_length_exceeded",
    }),
    [PROBE],
    { mode: "auto" },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "A very long question");
  assert.equal(message.status, "error");
  assert.match(message.error!, /maximum context length/);
  assert.equal(env.model.chatRequests().length, 1, "one request only");
  const settings = await (await env.rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.nativeToolsUnsupported, []);

  // A refusal naming tools (in its message or its param) still falls back to tags.
  env.model.setResponder((req) =>
    req.body.tools
      ? { status: 400, message: "Invalid value.", param: "tool_choice" }
      : { text: "Answered with tags." }
  );
  assert.equal((await turn(env.rg, conv.id, "Short")).content, "Answered with tags.");
  assert.deepEqual(env.model.chatRequests().slice(1).map((r) => Boolean(r.body.tools)), [
    true,
    false,
  ]);
});

Deno.test("/v1 relay: a client's own tools whose stream fails are answered from the whole answer, and remembered", async () => {
  await using model = await startScriptedModel({
    responder: (req) =>
      req.body.stream
        ? { status: 500, message: "tool call parser crashed" }
        : { toolCalls: [{ id: "call_9", name: "lookup", arguments: '{"q":"x"}' }] },
  });
  await using rg = await startRungpt({ model });
  const openai = new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
  const ask = async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Look x up" }],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls: string[] = [];
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) {
        calls.push(`${c.id}:${c.function?.name}:${c.function?.arguments}`);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage?.total_tokens ?? usage;
    }
    return { calls, finish, usage };
  };
  const first = await ask();
  assert.deepEqual(first.calls, ['call_9:lookup:{"q":"x"}']);
  assert.equal(first.finish, "tool_calls");
  assert.ok(first.usage > 0, "usage, as asked");
  assert.deepEqual(model.chatRequests().map((r) => r.body.stream === true), [true, false]);
  assert.ok(!model.chatRequests()[1].body.stream_options);
  const settings = async () => (await (await rg.api("/api/settings")).json()).actions;
  for (let i = 0; i < 100 && (await settings()).streamToolsUnsupported.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual((await settings()).streamToolsUnsupported, ["gpt-4o"]);

  // Remembered: asked whole at once.
  assert.deepEqual((await ask()).calls, ['call_9:lookup:{"q":"x"}']);
  assert.deepEqual(model.chatRequests().slice(2).map((r) => r.body.stream === true), [false]);
});
