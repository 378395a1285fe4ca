// `/v1/chat/completions` with plugins installed, through the real `openai` client: the same
// action loop runs on the server; the client gets the text of every round as one completion
// (streamed or not) whose answer reflects the results; actions that need approval are denied
// unless allowed in advance; a client that brings its own tools gets a plain relay.
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  hasResults,
  installPlugins,
  lastContent,
  messagesOf,
  putSettings,
  resultBlocks,
  TEXT_ARGS,
} from "../support/action_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [
    { name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS },
    {
      name: "guarded",
      export: "upper",
      description: "Asks first.",
      parameters: TEXT_ARGS,
      confirm: true,
    },
  ],
};

// A provider runs one call at a time, so a worker left spinning would block its next call.
const LOOPER = {
  name: "looper",
  wasm: "loop",
  actions: [
    { name: "spin", description: "Never returns." },
    { name: "echo", description: "Echoes.", parameters: TEXT_ARGS },
  ],
  provides: [{ name: "spinner", functions: ["hello"] }],
};

function client(rg: TestRungpt): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
}

/** Calls the action named in the user's message, then reports the result it got. */
function responder(req: RecordedRequest): Reply {
  if (hasResults(req)) {
    const [block] = resultBlocks(lastContent(req));
    return { text: `Result: ${block.error ? "refused: " : ""}${block.body}`, chunkSize: 4 };
  }
  const id = lastContent(req).trim();
  const name = id.includes(".") ? id : `probe.${id}`;
  return { text: `Checking. <action name="${name}">{"text":"hi"}</action>`, chunkSize: 5 };
}

async function setup(mode: "tags" | "native" = "tags", env: Record<string, string> = {}) {
  const model = await startScriptedModel({ responder });
  const rg = await startRungpt({ model, env });
  await installPlugins(rg, [PROBE, LOOPER]);
  await putSettings(rg, { actionMode: mode });
  return {
    model,
    rg,
    openai: client(rg),
    async [Symbol.asyncDispose]() {
      await rg.close();
      await model.close();
    },
  };
}

const EXPECTED = 'Checking. \n\nResult: {"TEXT":"HI"}';

Deno.test("/v1: streaming runs the action and streams the text of every round", async () => {
  await using env = await setup();
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  const finishes: string[] = [];
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    const finish = chunk.choices[0]?.finish_reason;
    if (finish) finishes.push(finish);
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, EXPECTED);
  assert.deepEqual(finishes, ["stop"]);
  assert.ok(usage && usage.total_tokens > 0, "usage of both rounds is reported");

  const requests = env.model.chatRequests();
  assert.equal(requests.length, 2);
  assert.match(messagesOf(requests[0])[0].content, /probe\.upper/);
  assert.deepEqual(resultBlocks(lastContent(requests[1])), [
    { name: "probe.upper", error: false, body: '{"TEXT":"HI"}' },
  ]);
});

Deno.test("/v1: non-streaming returns one message with the text of every round", async () => {
  await using env = await setup();
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
  });
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0].message.content, EXPECTED);
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.equal(env.model.chatRequests().length, 2);
});

Deno.test("/v1: native mode sends encoded tools and relays tool results", async () => {
  await using env = await setup("native");
  env.model.setResponder((req) => {
    const last = messagesOf(req).at(-1);
    if (last.role === "tool") return { text: `Tool said ${last.content}` };
    return {
      toolCalls: [{ id: "call_1", name: "probe__upper", arguments: ['{"text"', ':"yo"}'] }],
    };
  });
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "go" }],
  });
  assert.equal(completion.choices[0].message.content, 'Tool said {"TEXT":"YO"}');
  const [first, second] = env.model.chatRequests();
  assert.ok(
    first.body.tools.some((t: { function: { name: string } }) =>
      t.function.name === "probe__upper"
    ),
  );
  assert.deepEqual(messagesOf(second).at(-1), {
    role: "tool",
    tool_call_id: "call_1",
    content: '{"TEXT":"YO"}',
  });
});

Deno.test("/v1: a confirm action is denied unless allowed in advance", async () => {
  await using env = await setup();
  const ask = async () =>
    (await env.openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "guarded" }],
    })).choices[0].message.content;

  const denied = await ask();
  assert.match(
    denied!,
    /^Checking\. \n\nResult: refused: Error: probe\.guarded needs the user's approval/,
  );

  await putSettings(env.rg, { alwaysAllowed: ["probe.guarded"] });
  assert.equal(await ask(), EXPECTED);

  // "Ask first" denies every action that was not allowed in advance.
  await putSettings(env.rg, { alwaysAllowed: [], approvalMode: "ask" });
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.match(text, /Result: refused: Error: probe\.upper needs the user's approval/);
});

Deno.test("/v1: a client that sends its own tools gets a plain relay", async () => {
  await using env = await setup();
  env.model.setResponder(() => ({
    toolCalls: [{ id: "call_w", name: "get_weather", arguments: '{"city":"Oslo"}' }],
  }));
  const tools = [{
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Weather for a city.",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  }];
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Oslo?" }],
    tools,
  });
  const message = completion.choices[0].message;
  assert.equal(completion.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(
    message.tool_calls?.map((c) => c.type === "function" && [c.id, c.function.name]),
    [
      ["call_w", "get_weather"],
    ],
  );
  const [request] = env.model.chatRequests();
  assert.equal(env.model.chatRequests().length, 1, "rungpt ran nothing");
  assert.deepEqual(request.body.tools, tools);
  assert.deepEqual(request.body.messages, [{ role: "user", content: "Weather in Oslo?" }]);
});

Deno.test("/v1: a model that always calls an action stops at the round bound", async () => {
  await using env = await setup();
  env.model.setResponder(() => ({
    text: 'More. <action name="probe.upper">{"text":"x"}</action>',
  }));
  await putSettings(env.rg, { maxActionRounds: 2 });
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "loop" }],
  });
  assert.equal(env.model.chatRequests().length, 3, "two rounds of results, then the bound");
  const text = completion.choices[0].message.content!;
  assert.ok(text.startsWith("More. \n\nMore. \n\nMore."), text);
  assert.match(text, /stopped this turn: the model had the results of 2 rounds of actions/);
  assert.equal(completion.choices[0].finish_reason, "stop");
});

Deno.test("/v1: a client that goes away cancels the running action", async () => {
  await using env = await setup("tags", { RUNGPT_ACTION_TIMEOUT_MS: "20000" });
  const abort = new AbortController();
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "looper.spin" }],
    stream: true,
  }, { signal: abort.signal });
  let text = "";
  // The openai client ends the iteration quietly when its request is aborted.
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    // The tag follows this text: once it is here, the action is (about to be) running.
    if (text.startsWith("Checking.")) abort.abort();
  }
  assert.equal(text, "Checking. ");
  assert.equal(env.model.chatRequests().length, 1, "no round after the client left");

  // The spinning worker was stopped: the same plugin answers at once.
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "looper.echo" }],
  });
  assert.equal(completion.choices[0].message.content, 'Checking. \n\nResult: {"text":"hi"}');
});
