// Loading plugins during a chat turn: plugins whose APIs form a cycle give the model a clear
// error and the turn completes (the turn warms every plugin first), and Stop while an action's
// plugin is still loading cancels the call at once.
import assert from "node:assert/strict";
import type { TurnEvent } from "../../lib/chat/events.ts";
import {
  CYCLE,
  endOf,
  events,
  hasResults,
  isCallStatus,
  lastContent,
  metaOf,
  newConversation,
  nextEvent,
  resultBlocks,
  send,
  startActionsEnv,
  turn,
} from "../support/action_fixtures.ts";

Deno.test("turn: plugins whose APIs form a cycle fail with the cycle named; the turn completes", async () => {
  await using env = await startActionsEnv(
    (req) =>
      hasResults(req)
        ? { text: resultBlocks(lastContent(req)).map((b) => b.body).join("\n") }
        : { text: '<action name="ping.ping">{}</action><action name="pong.pong">{}</action>' },
    CYCLE,
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Ping and pong");
  assert.equal(message.status, "complete");
  const calls = metaOf(message).actions!;
  assert.deepEqual(calls.map((c) => c.status), ["error", "error"]);
  assert.match(calls[0].error!, /use each other's APIs \(ping → pong → ping\)/);
  assert.match(calls[1].error!, /use each other's APIs \(pong → ping → pong\)/);
  assert.match(message.content, /ping → pong → ping/);
});

Deno.test("turn: Stop while the action's plugin is still loading cancels the call", async () => {
  await using env = await startActionsEnv(
    (req) => hasResults(req) ? { text: "done" } : { text: '<action name="slow.echo">{}</action>' },
    // Its start-up code never ends: the load would run for the whole time limit (an hour, so
    // a Stop that waited for it would hang the test).
    [{ name: "slow", wasm: "slowstart", actions: [{ name: "echo" }] }],
    { env: { RUNGPT_ACTION_TIMEOUT_MS: "3600000" } },
  );
  const conv = await newConversation(env.rg);
  await send(env.rg, conv.id, "Echo");
  const stream = events(env.rg, conv.id);
  await nextEvent(stream, isCallStatus("running"));
  const res = await env.rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
  assert.deepEqual(await res.json(), { stopped: true });
  const rest: TurnEvent[] = [];
  for await (const e of stream) rest.push(e);
  assert.equal(endOf(rest).status, "stopped");
  assert.ok(rest.some((e) => isCallStatus("cancelled")(e)), JSON.stringify(rest));
});
