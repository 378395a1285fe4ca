// Actions in tag mode, through the chat API, against the scripted model and a real wasm
// plugin: a tag split across chunks, code that is not run, bad JSON, an unknown action, the
// round bound, and the replay of a finished turn's rounds in the next prompt.
import assert from "node:assert/strict";
import type { ActionCall } from "../../lib/tools/call.ts";
import {
  conversation,
  endOf,
  hasResults,
  installPlugins,
  lastContent,
  messagesOf,
  metaOf,
  newConversation,
  putSettings,
  resultBlocks,
  send,
  settle,
  startActionsEnv,
  TEXT_ARGS,
  turn,
} from "../support/action_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import {
  type RecordedRequest,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
} from "../support/scripted_model.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [
    { name: "echo", description: "Returns its arguments.", parameters: TEXT_ARGS },
    { name: "upper", description: "Upper-cases its arguments.", parameters: TEXT_ARGS },
  ],
};

/** A server with the probe plugin, in tag mode. */
function setup(responder: (req: RecordedRequest) => Reply) {
  return startActionsEnv(responder, [PROBE]);
}

/** Replies with the first result block it got, so the final answer reflects the result. */
function answerWithResult(req: RecordedRequest): Reply {
  const [block] = resultBlocks(lastContent(req));
  return { text: `Result was ${block.error ? "an error: " : ""}${block.body}`, chunkSize: 5 };
}

const TAG = '<action name="probe.upper">{"text":"hi there"}</action>';
const REPLY = `Let me check. ${TAG} Done.`;

/** Splits `text` at the given positions. */
function splitAt(text: string, cuts: number[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(text.slice(from, cut));
    from = cut;
  }
  return out.filter((c) => c.length > 0);
}

const TAG_AT = REPLY.indexOf("<action");
const JSON_AT = REPLY.indexOf("{");
const SPLITS: Record<string, string[]> = {
  "inside <action": splitAt(REPLY, [TAG_AT + 1, TAG_AT + 4]),
  "inside the name": splitAt(REPLY, [REPLY.indexOf("probe.") + 3]),
  "inside the JSON": splitAt(REPLY, [JSON_AT + 1, JSON_AT + 5, JSON_AT + 12]),
  "inside </action>": splitAt(REPLY, [REPLY.indexOf("</action>") + 2]),
  "every character": [...REPLY],
};

async function runTagTurn(rg: TestRungpt, model: ScriptedModel, chunks: string[]) {
  const before = model.chatRequests().length;
  const conv = await newConversation(rg);
  const message = await turn(rg, conv.id, "Shout hi there");
  return { conv, message, requests: model.chatRequests().slice(before), chunks };
}

Deno.test("tags: a tag split across chunks runs the plugin; the result goes back; the turn persists and replays", async (t) => {
  let chunks: string[] = [];
  await using env = await setup((req) => {
    if (hasResults(req)) return answerWithResult(req);
    if (lastContent(req) === "Thanks") return { text: "You are welcome." };
    return { chunks };
  });
  const { rg, model } = env;

  for (const [where, split] of Object.entries(SPLITS)) {
    await t.step(`split ${where}`, async () => {
      chunks = split;
      const { message, requests } = await runTagTurn(rg, model, chunks);
      assert.equal(requests.length, 2, "one round with the action, one after its result");

      // The first request described the actions; the second carries the result.
      const system = messagesOf(requests[0])[0];
      assert.equal(system.role, "system");
      assert.match(system.content, /probe\.upper/);
      assert.equal(requests[0].body.tools, undefined);
      const second = messagesOf(requests[1]);
      assert.deepEqual(second.at(-2), { role: "assistant", content: REPLY });
      assert.deepEqual(resultBlocks(second.at(-1).content), [
        { name: "probe.upper", error: false, body: '{"TEXT":"HI THERE"}' },
      ]);

      // The visible text has no tag; the final answer reflects the result.
      assert.equal(message.status, "complete");
      assert.ok(!message.content.includes("<action"), message.content);
      assert.ok(!message.content.includes("</action>"), message.content);
      assert.ok(message.content.startsWith("Let me check."), message.content);
      assert.match(message.content, /Done\.\n\nResult was \{"TEXT":"HI THERE"\}$/);

      const meta = metaOf(message);
      assert.equal(meta.actions?.length, 1);
      const call = meta.actions![0];
      assert.equal(call.name, "probe.upper");
      assert.equal(call.status, "done");
      assert.equal(call.result, '{"TEXT":"HI THERE"}');
      assert.deepEqual(call.args, { text: "hi there" });
      assert.equal(call.mode, "tags");
      assert.equal(call.round, 0);
      assert.equal(message.content.slice(0, call.offset).trim(), "Let me check.");
      assert.deepEqual(meta.rounds, [
        { raw: REPLY, calls: [call.id] },
        { raw: 'Result was {"TEXT":"HI THERE"}', calls: [] },
      ]);
    });
  }

  await t.step("reload restores the cards, and the next turn replays the rounds", async () => {
    chunks = SPLITS["inside the JSON"];
    const { conv, message } = await runTagTurn(rg, model, chunks);
    const reloaded = await conversation(rg, conv.id);
    assert.equal(reloaded.running, false);
    const stored = reloaded.messages.find((m) => m.id === message.id)!;
    assert.deepEqual(metaOf(stored).actions, metaOf(message).actions);
    assert.deepEqual(metaOf(stored).rounds, metaOf(message).rounds);

    const before = model.chatRequests().length;
    const next = await turn(rg, conv.id, "Thanks");
    assert.equal(next.content, "You are welcome.");
    const [request] = model.chatRequests().slice(before);
    const replayed = messagesOf(request).filter((m) => m.role !== "system");
    assert.deepEqual(replayed.map((m) => m.role), [
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    assert.equal(replayed[0].content, "Shout hi there");
    assert.equal(replayed[1].content, REPLY);
    assert.deepEqual(resultBlocks(replayed[2].content), [
      { name: "probe.upper", error: false, body: '{"TEXT":"HI THERE"}' },
    ]);
    assert.equal(replayed[3].content, 'Result was {"TEXT":"HI THERE"}');
    assert.equal(replayed[4].content, "Thanks");
  });
});

Deno.test("tags: tags inside fenced code and inline code are not run", async () => {
  const text = [
    "Here is how to call it:",
    "```html",
    '<action name="probe.echo">{"text":"fenced"}</action>',
    "```",
    'Or inline: `<action name="probe.echo">{"text":"inline"}</action>` — that is all.',
  ].join("\n");
  await using env = await setup(() => ({ text, chunkSize: 7 }));
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "How do I call echo?");
  assert.equal(env.model.chatRequests().length, 1, "no action ran, so no second round");
  assert.equal(message.status, "complete");
  assert.equal(message.content, text);
  assert.equal(metaOf(message).actions, undefined);
});

Deno.test("tags: bad JSON gives the model an error result, and it corrects itself", async () => {
  const bad = '<action name="probe.echo">{"text": oops}</action>';
  const good = '<action name="probe.echo">{"text":"fixed"}</action>';
  await using env = await setup((req) => {
    if (!hasResults(req)) return { text: `Trying. ${bad}`, chunkSize: 6 };
    const [block] = resultBlocks(lastContent(req));
    if (block.error) return { text: `Oops, again. ${good}`, chunkSize: 6 };
    return answerWithResult(req);
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Echo something");
  const requests = env.model.chatRequests();
  assert.equal(requests.length, 3);

  const [first] = resultBlocks(lastContent(requests[1]));
  assert.equal(first.name, "probe.echo");
  assert.equal(first.error, true);
  assert.match(first.body, /^Error: .*JSON/i);

  const calls = metaOf(message).actions as ActionCall[];
  assert.deepEqual(calls.map((c) => [c.status, c.round]), [["error", 0], ["done", 1]]);
  assert.match(calls[0].error!, /JSON/i);
  assert.equal(calls[1].result, '{"text":"fixed"}');
  assert.equal(message.status, "complete");
  assert.match(message.content, /Result was \{"text":"fixed"\}$/);
});

Deno.test("tags: an unknown action gives an error result naming the available actions", async () => {
  await using env = await setup((req) =>
    hasResults(req) ? answerWithResult(req) : { text: '<action name="probe.nope">{}</action>' }
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Do something");
  const [block] = resultBlocks(lastContent(env.model.chatRequests()[1]));
  assert.equal(block.name, "probe.nope");
  assert.equal(block.error, true);
  assert.match(block.body, /unknown action "probe\.nope"/);
  assert.match(block.body, /probe\.echo/);
  assert.match(block.body, /probe\.upper/);
  const [call] = metaOf(message).actions!;
  assert.equal(call.status, "error");
  assert.match(message.content, /^Result was an error: Error: unknown action/);
});

Deno.test("tags: a model that always calls an action stops at the round bound with a notice", async () => {
  await using env = await setup(() => ({
    text: 'Again. <action name="probe.echo">{"text":"more"}</action>',
  }));
  await putSettings(env.rg, { maxActionRounds: 3 });
  const conv = await newConversation(env.rg);
  const { assistantMessage } = await send(env.rg, conv.id, "Loop forever");
  const events = await settle(env.rg, conv.id);
  assert.equal(endOf(events).status, "complete");
  const { messages } = await conversation(env.rg, conv.id);
  const message = messages.find((m) => m.id === assistantMessage.id)!;
  // Three rounds of results went back; the fourth reply's call was not run.
  const requests = env.model.chatRequests();
  assert.equal(requests.length, 4);
  assert.deepEqual(requests.map((r) => resultBlocks(lastContent(r)).length), [0, 1, 1, 1]);
  assert.equal(message.status, "complete");
  const calls = metaOf(message).actions!;
  assert.deepEqual(calls.map((c) => c.status), ["done", "done", "done", "cancelled"]);
  assert.equal(calls[3].error, "not run: this turn reached its limit of 3 rounds of actions");
  assert.deepEqual(calls[3].args, { text: "more" });
  assert.equal(calls[3].startedAt, undefined, "it never started");
  assert.match(
    message.content,
    /_rungpt stopped this turn: the model had the results of 3 rounds of actions, the limit per turn, and the actions it called after that were not run\._$/,
  );
});

Deno.test("tags: with a bound of one round, the results of that round still reach the model", async () => {
  await using env = await setup((req) =>
    hasResults(req)
      ? {
        text: `Got ${
          resultBlocks(lastContent(req))[0].body
        }. <action name="probe.echo">{"text":"2"}</action>`,
      }
      : { text: '<action name="probe.upper">{"text":"one"}</action>' }
  );
  await putSettings(env.rg, { maxActionRounds: 1 });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Once");
  assert.equal(env.model.chatRequests().length, 2);
  assert.match(
    message.content,
    /^Got \{"TEXT":"ONE"\}\. \n\n_rungpt stopped this turn: the model had the results of 1 round of actions/,
  );
  assert.deepEqual(metaOf(message).actions!.map((c) => [c.name, c.status]), [
    ["probe.upper", "done"],
    ["probe.echo", "cancelled"],
  ]);

  // The next turn replays the call that was not run with its reason, so the model knows.
  env.model.setResponder(() => ({ text: "Understood." }));
  await turn(env.rg, conv.id, "Why?");
  const replay = messagesOf(env.model.chatRequests()[2]);
  assert.deepEqual(resultBlocks(replay.at(-2).content), [
    {
      name: "probe.echo",
      error: true,
      body: "Error: not run: this turn reached its limit of 1 round of actions",
    },
  ]);
});

Deno.test("tags: arguments that break the schema never reach the plugin; the model gets the error", async () => {
  const call = (message: string) =>
    `<action name="logger.note">${JSON.stringify({ level: "info", message })}</action>`;
  await using model = await startScriptedModel({
    responder(req) {
      if (!hasResults(req)) return { text: `Noting. ${call("this is far too long")}` };
      const [block] = resultBlocks(lastContent(req));
      return block.error ? { text: `Shorter. ${call("short")}` } : { text: "Noted." };
    },
  });
  await using rg = await startRungpt({ model });
  // The logger writes its arguments to the server log: a run is visible there.
  await installPlugins(rg, [{
    name: "logger",
    wasm: "logger",
    apis: ["rungpt:log"],
    actions: [{
      name: "note",
      export: "hello",
      parameters: {
        type: "object",
        properties: { level: { enum: ["info"] }, message: { type: "string", maxLength: 10 } },
        required: ["level", "message"],
        additionalProperties: false,
      },
    }],
  }]);
  await putSettings(rg, { actionMode: "tags" });
  const conv = await newConversation(rg);
  const message = await turn(rg, conv.id, "Note something");

  const [refused] = resultBlocks(lastContent(model.chatRequests()[1]));
  assert.deepEqual(refused, {
    name: "logger.note",
    error: true,
    body: "Error: invalid arguments: arguments.message: must be at most 10 characters",
  });
  const [bad, good] = metaOf(message).actions!;
  assert.equal(bad.status, "error");
  assert.equal(bad.startedAt, undefined, "the plugin was never started for it");
  assert.equal(good.status, "done");
  const pluginLines = rg.logs.filter((l) => l.startsWith("[plugin logger]"));
  // One run: the valid call's own line and the Extism log line every run writes.
  assert.deepEqual(pluginLines, [
    "[plugin logger] info: short",
    "[plugin logger] info: extism says hi",
  ]);
  assert.equal(message.content, "Noting. \n\nShorter. \n\nNoted.");
});
