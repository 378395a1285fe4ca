// Running actions, through the chat API with real plugins: concurrent calls overlap, a
// runaway action times out, Stop cancels a running action (and the plugin still works after),
// and approvals: allow once, always allow, deny, ask first, Stop while waiting.
import assert from "node:assert/strict";
import type { TurnEvent } from "../../lib/chat/events.ts";
import {
  answerWithResults,
  conversation,
  endOf,
  events,
  hasResults,
  isCallStatus,
  lastContent,
  LOOPER,
  messagesOf,
  metaOf,
  newConversation,
  nextEvent,
  putSettings,
  resultBlocks,
  send,
  settle,
  startActionsEnv,
  startBarrier,
  TEXT_ARGS,
  turn,
  waitFor,
  WEB,
} from "../support/action_fixtures.ts";
import type { TestRungpt } from "../support/rungpt_server.ts";

Deno.test("concurrency: two calls of a slow action in one reply run at the same time", async () => {
  await using barrier = startBarrier(2);
  await using env = await startActionsEnv(
    (req) =>
      hasResults(req)
        ? answerWithResults(req)
        : { text: `Both: ${barrier.tag("a")} ${barrier.tag("b")}` },
    [WEB],
    // A failure (calls run one after the other) shows as a timeout rather than a hang.
    { env: { RUNGPT_ACTION_TIMEOUT_MS: "10000" } },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Fetch both");
  const calls = metaOf(message).actions!;
  assert.deepEqual(calls.map((c) => [c.status, c.error]), [["done", undefined], [
    "done",
    undefined,
  ]]);
  assert.match(calls[0].result!, /reply a/);
  assert.match(calls[1].result!, /reply b/);
  // Each started before the other ended.
  const [a, b] = calls;
  assert.ok(a.startedAt! < b.endedAt! && b.startedAt! < a.endedAt!, JSON.stringify(calls));
  assert.match(message.content, /web\.get: .*reply a.*\nweb\.get: .*reply b/s);
});

Deno.test("timeout: an action that never returns becomes an error result; the turn completes", async () => {
  await using env = await startActionsEnv(
    (req) =>
      hasResults(req)
        ? answerWithResults(req)
        : { text: 'Spinning. <action name="looper.spin">{}</action>' },
    [LOOPER],
    { env: { RUNGPT_ACTION_TIMEOUT_MS: "500" } },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Spin");
  assert.equal(message.status, "complete");
  const [call] = metaOf(message).actions!;
  assert.equal(call.status, "error");
  assert.match(call.error!, /time limit of 500 ms/);
  const [block] = resultBlocks(lastContent(env.model.chatRequests()[1]));
  assert.equal(block.error, true);
  assert.match(block.body, /time limit/);
  assert.match(message.content, /looper\.spin failed: Error: .*time limit/);
});

Deno.test("stop: Stop during a running action cancels it; the plugin works on the next call", async () => {
  await using env = await startActionsEnv(
    (req) => {
      if (hasResults(req)) return answerWithResults(req);
      if (lastContent(req) === "Echo") {
        return { text: '<action name="looper.echo">{"text":"alive"}</action>' };
      }
      return { text: 'Spinning. <action name="looper.spin">{}</action>' };
    },
    // A provider runs one call at a time: a worker left spinning would block the next call
    // until its time limit.
    [{ ...LOOPER, provides: [{ name: "spinner", functions: ["hello"] }] }],
    { env: { RUNGPT_ACTION_TIMEOUT_MS: "20000" } },
  );
  const conv = await newConversation(env.rg);
  const { assistantMessage } = await send(env.rg, conv.id, "Spin");
  const stream = events(env.rg, conv.id);
  const running = await nextEvent(stream, isCallStatus("running"));
  assert.equal(running.call.name, "looper.spin");

  const res = await env.rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
  assert.deepEqual(await res.json(), { stopped: true });
  const rest: TurnEvent[] = [];
  for await (const e of stream) rest.push(e);
  assert.equal(endOf(rest).status, "stopped");
  assert.ok(rest.some((e) => isCallStatus("cancelled")(e)), JSON.stringify(rest));

  const { messages } = await conversation(env.rg, conv.id);
  const stopped = messages.find((m) => m.id === assistantMessage.id)!;
  assert.equal(stopped.status, "stopped");
  assert.equal(metaOf(stopped).actions![0].status, "cancelled");
  assert.equal(env.model.chatRequests().length, 1, "no round after Stop");

  // The runaway worker is gone: the same plugin answers the next call.
  const next = await turn(env.rg, conv.id, "Echo");
  assert.equal(next.status, "complete");
  const [call] = metaOf(next).actions!;
  assert.equal(call.status, "done");
  assert.equal(call.result, '{"text":"alive"}');
});

const GUARD = {
  name: "guard",
  wasm: "echo",
  actions: [
    { name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS, confirm: true },
    { name: "echo", description: "Echoes.", parameters: TEXT_ARGS },
  ],
};

/** Waits for a running turn to end; fails if an action asks for approval meanwhile. */
async function settleWithoutPrompt(rg: TestRungpt, id: string) {
  return await waitFor("the turn to end", async () => {
    const { messages, running } = await conversation(rg, id);
    const asking = messages.flatMap((m) => metaOf(m).actions ?? [])
      .find((c) => c.status === "awaiting_approval");
    assert.equal(asking, undefined, "no approval was asked for");
    return running ? undefined : messages.at(-1)!;
  });
}

async function answer(rg: TestRungpt, id: string, callId: string, decision: string) {
  const res = await rg.api(`/api/conversations/${id}/approvals/${callId}`, {
    method: "POST",
    json: { decision },
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("approval: allow once, always allow, deny, ask first, Stop while waiting", async (t) => {
  await using env = await startActionsEnv((req) => {
    if (hasResults(req)) return answerWithResults(req);
    const tool = lastContent(req).startsWith("echo") ? "echo" : "upper";
    return { text: `<action name="guard.${tool}">{"text":"${lastContent(req)}"}</action>` };
  }, [GUARD]);
  const { rg } = env;

  /** Sends `content` and returns the call waiting for approval, with the open event stream. */
  async function untilAsked(content: string) {
    const conv = await newConversation(rg);
    const { assistantMessage } = await send(rg, conv.id, content);
    const stream = events(rg, conv.id);
    const asked = await nextEvent(stream, isCallStatus("awaiting_approval"));
    return { conv, stream, call: asked.call, messageId: assistantMessage.id };
  }

  async function finish(convId: string, messageId: string, stream: AsyncGenerator<TurnEvent>) {
    const rest: TurnEvent[] = [];
    for await (const e of stream) rest.push(e);
    const { messages } = await conversation(rg, convId);
    return { end: endOf(rest), message: messages.find((m) => m.id === messageId)! };
  }

  await t.step("allow once runs the action, and asks again next time", async () => {
    const { conv, stream, call, messageId } = await untilAsked("once");
    assert.equal(call.name, "guard.upper");
    assert.deepEqual(call.args, { text: "once" });
    assert.deepEqual(call.access, { apis: [], hosts: [], paths: [] });
    // Nothing ran yet: the model has not been asked again.
    assert.equal(env.model.chatRequests().length, 1);
    assert.deepEqual(await answer(rg, conv.id, call.id, "once"), {
      status: 200,
      body: { ok: true },
    });
    const { end, message } = await finish(conv.id, messageId, stream);
    assert.equal(end.status, "complete");
    assert.equal(metaOf(message).actions![0].status, "done");
    assert.equal(message.content, 'guard.upper: {"TEXT":"ONCE"}');
    const settings = await (await rg.api("/api/actions")).json();
    assert.deepEqual(settings.settings.alwaysAllowed, []);
    // The answer was used up: answering again is refused.
    const again = await answer(rg, conv.id, call.id, "once");
    assert.equal(again.status, 409);
  });

  await t.step("deny gives the model an error result", async () => {
    const { conv, stream, call, messageId } = await untilAsked("deny me");
    assert.equal((await answer(rg, conv.id, call.id, "deny")).status, 200);
    const { end, message } = await finish(conv.id, messageId, stream);
    assert.equal(end.status, "complete");
    const [denied] = metaOf(message).actions!;
    assert.equal(denied.status, "denied");
    const [block] = resultBlocks(lastContent(env.model.chatRequests().at(-1)!));
    assert.equal(block.error, true);
    assert.match(block.body, /denied/);
    assert.match(message.content, /guard\.upper failed: Error: .*denied/);
  });

  await t.step("Stop while waiting cancels the call", async () => {
    const { conv, stream, messageId } = await untilAsked("stop me");
    const before = env.model.chatRequests().length;
    const res = await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
    assert.deepEqual(await res.json(), { stopped: true });
    const { end, message } = await finish(conv.id, messageId, stream);
    assert.equal(end.status, "stopped");
    assert.equal(message.status, "stopped");
    assert.equal(metaOf(message).actions![0].status, "cancelled");
    assert.equal(env.model.chatRequests().length, before);
  });

  await t.step("always allow runs it, remembers it, and does not ask next time", async () => {
    const { conv, stream, call, messageId } = await untilAsked("always");
    assert.equal((await answer(rg, conv.id, call.id, "always")).status, 200);
    const { message } = await finish(conv.id, messageId, stream);
    assert.equal(metaOf(message).actions![0].status, "done");
    const settings = await (await rg.api("/api/settings")).json();
    assert.deepEqual(settings.actions.alwaysAllowed, ["guard.upper"]);

    const next = await newConversation(rg);
    await send(rg, next.id, "again");
    const done = await settleWithoutPrompt(rg, next.id);
    assert.equal(done.status, "complete");
    assert.equal(metaOf(done).actions![0].status, "done");
    assert.equal(done.content, 'guard.upper: {"TEXT":"AGAIN"}');
  });

  await t.step("ask first asks for an action without confirm too", async () => {
    await putSettings(rg, { approvalMode: "ask" });
    const { conv, stream, call, messageId } = await untilAsked("echo this");
    assert.equal(call.name, "guard.echo");
    assert.equal((await answer(rg, conv.id, call.id, "once")).status, 200);
    const { message } = await finish(conv.id, messageId, stream);
    assert.equal(metaOf(message).actions![0].status, "done");
    await putSettings(rg, { approvalMode: "auto" });
    await settle(rg, conv.id);
  });
});

Deno.test('approval: when "Always allow" cannot be saved, the call still runs once and the failure is logged', async () => {
  await using env = await startActionsEnv(
    (req) =>
      hasResults(req)
        ? answerWithResults(req)
        : { text: '<action name="guard.upper">{"text":"still"}</action>' },
    [GUARD],
  );
  // The list is full (1000 entries), so saving one more is refused.
  const full = Array.from({ length: 1000 }, (_, i) => `other${i}.run`);
  await putSettings(env.rg, { alwaysAllowed: full });
  const conv = await newConversation(env.rg);
  const { assistantMessage } = await send(env.rg, conv.id, "go");
  const stream = events(env.rg, conv.id);
  const asked = await nextEvent(stream, isCallStatus("awaiting_approval"));
  assert.equal((await answer(env.rg, conv.id, asked.call.id, "always")).status, 200);
  const rest: TurnEvent[] = [];
  for await (const e of stream) rest.push(e);
  assert.equal(endOf(rest).status, "complete");

  const { messages } = await conversation(env.rg, conv.id);
  const message = messages.find((m) => m.id === assistantMessage.id)!;
  assert.equal(metaOf(message).actions![0].status, "done");
  assert.equal(message.content, 'guard.upper: {"TEXT":"STILL"}');
  const settings = await (await env.rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.alwaysAllowed, full);
  assert.ok(
    env.rg.logs.some((l) =>
      l.includes('"Always allow" for guard.upper was not saved, so it holds for this turn only') &&
      l.includes("alwaysAllowed")
    ),
    env.rg.logs.join("\n"),
  );
});

Deno.test('approval: "Always allow" also covers the same action waiting beside it and in the later rounds of the turn', async () => {
  await using env = await startActionsEnv((req) => {
    const rounds = messagesOf(req).filter((m) =>
      m.role === "user" && m.content.includes("<action_result")
    ).length;
    if (rounds === 0) {
      return {
        text: '<action name="guard.upper">{"text":"a"}</action>' +
          '<action name="guard.upper">{"text":"b"}</action>',
      };
    }
    if (rounds === 1) return { text: '<action name="guard.upper">{"text":"c"}</action>' };
    return answerWithResults(req);
  }, [GUARD]);
  const conv = await newConversation(env.rg);
  const { assistantMessage } = await send(env.rg, conv.id, "three");
  const stream = events(env.rg, conv.id);
  const asked = await nextEvent(stream, isCallStatus("awaiting_approval"));
  assert.equal((await answer(env.rg, conv.id, asked.call.id, "always")).status, 200);
  const rest: TurnEvent[] = [];
  const ended = (async () => {
    for await (const e of stream) rest.push(e);
  })();
  // Nothing else is answered: the turn must end on its own.
  const message = await waitFor("the turn to end without another answer", async () => {
    const { messages, running } = await conversation(env.rg, conv.id);
    return running ? undefined : messages.find((m) => m.id === assistantMessage.id);
  });
  await ended;
  assert.equal(endOf(rest).status, "complete");
  assert.deepEqual(
    metaOf(message).actions!.map((c) => [c.args, c.status]),
    [[{ text: "a" }, "done"], [{ text: "b" }, "done"], [{ text: "c" }, "done"]],
  );
  const askedAfter = rest.filter(isCallStatus("awaiting_approval")).map((e) => e.call.args);
  assert.ok(
    askedAfter.every((args) => JSON.stringify(args) === '{"text":"b"}'),
    `only the call waiting beside it had asked: ${JSON.stringify(askedAfter)}`,
  );
  const settings = await (await env.rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.alwaysAllowed, ["guard.upper"]);
});
