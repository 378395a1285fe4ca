// Actions as native tool calls, through the chat API: tool-call deltas split across chunks,
// parallel calls that share index 0, encoded tool names, results as `role: "tool"` messages;
// and auto mode falling back to tags when the upstream rejects tools, remembered per model.
import assert from "node:assert/strict";
import { countTokens } from "../../lib/chat/system_message.ts";
import {
  conversation,
  hasResults,
  lastContent,
  messagesOf,
  metaOf,
  newConversation,
  putSettings,
  resultBlocks,
  startActionsEnv,
  TEXT_ARGS,
  toolResults,
  turn,
} from "../support/action_fixtures.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";

// A plugin name with a hyphen, so the encoded tool name differs from the id.
const PROBE = {
  name: "my-probe",
  wasm: "echo",
  actions: [
    { name: "echo", description: "Returns its arguments.", parameters: TEXT_ARGS },
    { name: "upper", description: "Upper-cases its arguments.", parameters: TEXT_ARGS },
  ],
};

function setup(mode: "native" | "auto", responder: (req: RecordedRequest) => Reply) {
  return startActionsEnv(responder, [PROBE], { mode });
}

Deno.test("native: tool-call deltas split across chunks run the action; the result goes back as a tool message", async () => {
  await using env = await setup("native", (req) => {
    const results = toolResults(req);
    if (results.length) return { text: `Got ${results[0][1]}` };
    return {
      content: ["Calling. "],
      toolCalls: [{
        id: "call_up1",
        name: "myDprobe__upper",
        arguments: ['{"te', 'xt":"h', 'i"}'],
      }],
    };
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Shout hi");
  const [first, second] = env.model.chatRequests();
  assert.equal(env.model.chatRequests().length, 2);

  // Tools are offered under their encoded names.
  const names = first.body.tools.map((t: { function: { name: string } }) => t.function.name);
  assert.deepEqual(names.toSorted(), ["myDprobe__echo", "myDprobe__upper"]);
  assert.equal(first.body.tools[0].type, "function");

  // The next request: the assistant's tool call, then the tool's result.
  const sent = messagesOf(second);
  assert.deepEqual(sent.at(-2), {
    role: "assistant",
    content: "Calling. ",
    tool_calls: [{
      id: "call_up1",
      type: "function",
      function: { name: "myDprobe__upper", arguments: '{"text":"hi"}' },
    }],
  });
  assert.deepEqual(toolResults(second), [["call_up1", '{"TEXT":"HI"}']]);

  assert.equal(message.status, "complete");
  assert.equal(message.content, 'Calling. \n\nGot {"TEXT":"HI"}');
  const [call] = metaOf(message).actions!;
  assert.equal(call.id, "call_up1");
  assert.equal(call.name, "my-probe.upper");
  assert.equal(call.mode, "native");
  assert.equal(call.status, "done");
  assert.deepEqual(call.args, { text: "hi" });
});

Deno.test("native: two parallel calls sharing index 0 both run; results carry the right tool_call_ids", async () => {
  await using env = await setup("native", (req) => {
    const results = toolResults(req);
    if (lastContent(req) === "Again") return { text: "Fine." };
    if (results.length) return { text: results.map(([id, r]) => `${id}=${r}`).join("; ") };
    return {
      toolCallFragments: [
        { index: 0, id: "call_a", name: "myDprobe__echo", arguments: "" },
        { index: 0, arguments: '{"text":' },
        { index: 0, arguments: '"a"}' },
        { index: 0, id: "call_b", name: "myDprobe__upper", arguments: '{"te' },
        { index: 0, arguments: 'xt":"b"}' },
      ],
    };
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Two at once");
  const second = env.model.chatRequests()[1];
  const assistant = messagesOf(second).at(-3);
  assert.equal(assistant.role, "assistant");
  assert.deepEqual(
    assistant.tool_calls.map((c: { id: string; function: { name: string; arguments: string } }) => [
      c.id,
      c.function.name,
      c.function.arguments,
    ]),
    [["call_a", "myDprobe__echo", '{"text":"a"}'], ["call_b", "myDprobe__upper", '{"text":"b"}']],
  );
  assert.deepEqual(toolResults(second), [["call_a", '{"text":"a"}'], ["call_b", '{"TEXT":"B"}']]);
  assert.equal(message.content, 'call_a={"text":"a"}; call_b={"TEXT":"B"}');
  assert.deepEqual(
    metaOf(message).actions!.map((c) => [c.id, c.name, c.status]),
    [["call_a", "my-probe.echo", "done"], ["call_b", "my-probe.upper", "done"]],
  );

  // The next turn replays the native round as tool calls and tool messages.
  const next = await turn(env.rg, conv.id, "Again");
  assert.equal(next.content, "Fine.");
  const replay = messagesOf(env.model.chatRequests()[2]).filter((m) => m.role !== "system");
  assert.deepEqual(replay.map((m) => m.role), [
    "user",
    "assistant",
    "tool",
    "tool",
    "assistant",
    "user",
  ]);
  assert.deepEqual(replay.slice(2, 4).map((m) => m.tool_call_id), ["call_a", "call_b"]);
});

Deno.test("auto: a 400 to a request with tools retries in tag mode and remembers it for the model", async () => {
  await using env = await setup("auto", (req) => {
    if (req.body.tools) return { status: 400, message: "tools are not supported by this model" };
    if (hasResults(req)) {
      const [block] = resultBlocks(lastContent(req));
      return { text: `Got ${block.body}` };
    }
    if (lastContent(req) === "Again") return { text: "Plain answer." };
    return { text: 'Using tags. <action name="my-probe.upper">{"text":"ok"}</action>' };
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Shout ok");
  const requests = env.model.chatRequests();
  assert.equal(requests.length, 3);
  assert.ok(requests[0].body.tools, "auto mode first offers native tools");
  assert.equal(requests[1].body.tools, undefined, "then retries with tags");
  assert.match(messagesOf(requests[1])[0].content, /<action name=/);
  assert.equal(message.status, "complete");
  assert.equal(message.content, 'Using tags. \n\nGot {"TEXT":"OK"}');
  assert.equal(metaOf(message).actions![0].mode, "tags");

  // Remembered: the next turn goes straight to tags.
  const settings = await (await env.rg.api("/api/actions")).json();
  assert.deepEqual(settings.settings.nativeToolsUnsupported, ["gpt-4o"]);
  const next = await turn(env.rg, conv.id, "Again");
  assert.equal(next.content, "Plain answer.");
  const after = env.model.chatRequests().slice(3);
  assert.equal(after.length, 1);
  assert.equal(after[0].body.tools, undefined);
  const { messages } = await conversation(env.rg, conv.id);
  assert.equal(messages.length, 4);
});

Deno.test("native: an unknown tool gives an error result naming the tools; the call is replayed under its own name", async () => {
  await using env = await setup("native", (req) => {
    const results = toolResults(req);
    if (results.length) return { text: `Got ${results[0][1]}` };
    return { toolCalls: [{ id: "call_x", name: "search", arguments: '{"q":"x"}' }] };
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Search");
  const second = env.model.chatRequests()[1];
  const assistant = messagesOf(second).at(-2);
  assert.equal(assistant.tool_calls[0].function.name, "search");
  const [[id, result]] = toolResults(second);
  assert.equal(id, "call_x");
  assert.match(result, /^Error: unknown action "search"\. Available tools: /);
  assert.match(result, /myDprobe__echo/);
  assert.match(result, /myDprobe__upper/);
  const [call] = metaOf(message).actions!;
  assert.equal(call.status, "error");
  assert.equal(message.status, "complete");
});

Deno.test("auto: the tags retry replays earlier native rounds as tags, not as tool messages", async () => {
  let toolsRejected = false;
  await using env = await setup("auto", (req) => {
    if (req.body.tools && toolsRejected) return { status: 400, message: "tools are off now" };
    if (toolResults(req).length) return { text: `Got ${toolResults(req)[0][1]}` };
    if (lastContent(req) === "Again") return { text: "Plain answer." };
    return { toolCalls: [{ id: "call_1", name: "myDprobe__upper", arguments: '{"text":"hi"}' }] };
  });
  const conv = await newConversation(env.rg);
  assert.equal((await turn(env.rg, conv.id, "Shout hi")).content, 'Got {"TEXT":"HI"}');

  toolsRejected = true;
  const next = await turn(env.rg, conv.id, "Again");
  assert.equal(next.status, "complete");
  assert.equal(next.content, "Plain answer.");
  const [rejected, retry] = env.model.chatRequests().slice(2);
  assert.ok(rejected.body.tools);
  assert.ok(messagesOf(rejected).some((m) => m.role === "tool"), "native history at first");
  // The retry has no tools and no native history: a tags-mode server would refuse it.
  assert.equal(retry.body.tools, undefined);
  const replay = messagesOf(retry).filter((m) => m.role !== "system");
  assert.deepEqual(replay.map((m) => m.role), ["user", "assistant", "user", "assistant", "user"]);
  assert.ok(replay.every((m) => m.tool_calls === undefined));
  assert.equal(replay[1].content, '<action name="my-probe.upper">{"text":"hi"}</action>');
  assert.deepEqual(resultBlocks(replay[2].content), [
    { name: "my-probe.upper", error: false, body: '{"TEXT":"HI"}' },
  ]);
  const settings = await (await env.rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.nativeToolsUnsupported, ["gpt-4o"]);
});

Deno.test("auto: a request rejected with and without tools is an error, and tools are not given up", async () => {
  await using env = await setup("auto", (req) => ({
    status: 400,
    message: req.body.tools ? "tool_choice is not supported" : "still too long",
  }));
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "A very long question");
  assert.equal(env.model.chatRequests().length, 2, "one try with tools, one with tags");
  assert.equal(message.status, "error");
  assert.match(message.error!, /still too long/);
  const settings = await (await env.rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.nativeToolsUnsupported, []);

  // The next turn offers tools again.
  env.model.setResponder(() => ({ text: "Short answer." }));
  assert.equal((await turn(env.rg, conv.id, "Short")).content, "Short answer.");
  assert.ok(env.model.chatRequests()[2].body.tools);
});

Deno.test("the Actions panel shows what the next turn of the conversation sends, tools counted", async () => {
  await using env = await setup("auto", () => ({ text: "Hi." }));
  const conv = await newConversation(env.rg);
  const info = async (query: string) => {
    const res = await env.rg.api(`/api/actions${query}`);
    assert.equal(res.status, 200);
    return (await res.json()).systemMessage;
  };

  // Auto mode sends the native note plus the tools: that is what the panel shows and counts.
  await turn(env.rg, conv.id, "Hello");
  const sent = env.model.chatRequests()[0].body;
  const native = await info(`?conversation=${conv.id}`);
  assert.equal(native.mode, "native");
  assert.equal(native.fallback, true);
  assert.equal(native.text, messagesOf(env.model.chatRequests()[0])[0].content);
  assert.deepEqual(native.tools, sent.tools);
  assert.equal(
    native.tokens,
    await countTokens(native.text) + await countTokens(JSON.stringify(sent.tools)),
  );

  // A model remembered as tags-only gets the tags message; other models still get tools.
  await putSettings(env.rg, { nativeToolsUnsupported: ["gpt-4o"] });
  const tags = await info(`?conversation=${conv.id}`);
  assert.equal(tags.mode, "tags");
  assert.deepEqual(tags.tools, []);
  assert.match(tags.text, /<action name="my-probe\.echo">/);
  assert.equal(tags.tokens, await countTokens(tags.text));
  assert.equal((await info("?model=gpt-4o-mini")).mode, "native");
  await env.rg.api(`/api/conversations/${conv.id}`, {
    method: "PATCH",
    json: { model: "gpt-4o-mini" },
  });
  assert.equal((await info(`?conversation=${conv.id}`)).mode, "native");

  const missing = await env.rg.api("/api/actions?conversation=nope");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("native: a server that sends no tool-call ids gets distinct ids in every round: both cards stay, each result replays with its own call", async () => {
  // Without ids, each round's first call would be "call_0": the second round's card replaced
  // the first's, and the next turn replayed the second result for both rounds.
  await using env = await setup("native", (req) => {
    if (lastContent(req) === "Again") return { text: "Fine." };
    const results = toolResults(req);
    const tool = (name: string, text: string) => ({
      toolCallFragments: [
        { index: 0, name, arguments: `{"text":"${text}"}` },
      ],
    });
    if (results.length === 0) return tool("myDprobe__upper", "one");
    if (messagesOf(req).filter((m) => m.role === "tool").length === 1) {
      return tool("myDprobe__echo", "two");
    }
    return { text: "Both done." };
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Twice");
  assert.equal(message.status, "complete");
  const calls = metaOf(message).actions!;
  assert.deepEqual(calls.map((c) => [c.name, c.status, c.result]), [
    ["my-probe.upper", "done", '{"TEXT":"ONE"}'],
    ["my-probe.echo", "done", '{"text":"two"}'],
  ]);
  assert.notEqual(calls[0].id, calls[1].id);
  assert.deepEqual(metaOf(message).rounds!.map((r) => r.calls), [[calls[0].id], [calls[1].id], []]);

  // Within the turn, the third request pairs each tool call with its own result.
  const third = messagesOf(env.model.chatRequests()[2]).filter((m) => m.role !== "system");
  const pairs = (list: typeof third) =>
    list.flatMap((m) =>
      m.role === "assistant" && m.tool_calls
        ? m.tool_calls.map((c: { id: string }) => ["call", c.id])
        : m.role === "tool"
        ? [["result", m.tool_call_id, m.content]]
        : []
    );
  const expected = [
    ["call", calls[0].id],
    ["result", calls[0].id, '{"TEXT":"ONE"}'],
    ["call", calls[1].id],
    ["result", calls[1].id, '{"text":"two"}'],
  ];
  assert.deepEqual(pairs(third), expected);

  // The next turn replays both rounds, each with its own result.
  assert.equal((await turn(env.rg, conv.id, "Again")).content, "Fine.");
  const replay = messagesOf(env.model.chatRequests()[3]).filter((m) => m.role !== "system");
  assert.deepEqual(pairs(replay), expected);
});
