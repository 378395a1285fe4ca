/**
 * The pure parts of the action cards: splitting a message at its calls' offsets, merging
 * call updates, and applying `action` events to the chat state so only the message they
 * belong to changes.
 */
import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { effect } from "@preact/signals";
import type { ActionCall } from "../../../lib/tools/call.ts";
import type { Message } from "../../../lib/store/types.ts";
import {
  approvalKey,
  callDuration,
  callsFromMeta,
  formatDuration,
  nextApproval,
  prettyArgs,
  runningTime,
  splitAtOffsets,
  statusText,
  truncate,
  upsertCall,
} from "../../../lib/ui/actions.ts";
import {
  applyTurnEvent,
  createChatState,
  findMessage,
  upsertMessage,
} from "../../../lib/ui/chat_state.ts";

function call(id: string, offset: number, extra: Partial<ActionCall> = {}): ActionCall {
  return {
    id,
    name: "echo.upper",
    args: { text: "hi" },
    status: "running",
    offset,
    round: 0,
    mode: "tags",
    ...extra,
  };
}

function msg(seq: number, role: Message["role"], content: string, meta: Message["meta"] = null) {
  return {
    id: `m${seq}`,
    conversationId: "c1",
    parentId: seq ? `m${seq - 1}` : null,
    seq,
    role,
    content,
    status: "complete",
    error: null,
    model: null,
    meta,
    createdAt: seq,
    updatedAt: seq,
    versions: null,
  } satisfies Message;
}

Deno.test("splitAtOffsets puts each card where the model made the call", () => {
  const a = call("a", 12);
  const b = call("b", 18);
  assertEquals(splitAtOffsets("Let me look. Done. Bye", [a, b]), [
    { text: "Let me look.", calls: [a] },
    { text: " Done.", calls: [b] },
    { text: " Bye", calls: [] },
  ]);
});

Deno.test("splitAtOffsets: a call at the end goes after all the text", () => {
  const a = call("a", 5);
  assertEquals(splitAtOffsets("Hello", [a]), [
    { text: "Hello", calls: [a] },
    { text: "", calls: [] },
  ]);
});

Deno.test("splitAtOffsets: a call at offset 0 comes before any text", () => {
  const a = call("a", 0);
  assertEquals(splitAtOffsets("Result follows", [a]), [
    { text: "", calls: [a] },
    { text: "Result follows", calls: [] },
  ]);
});

Deno.test("splitAtOffsets: calls at one offset stay together in the order made", () => {
  const a = call("a", 3, { round: 0 });
  const b = call("b", 3, { round: 0 });
  const c = call("c", 1);
  assertEquals(splitAtOffsets("abcdef", [a, b, c]), [
    { text: "a", calls: [c] },
    { text: "bc", calls: [a, b] },
    { text: "def", calls: [] },
  ]);
});

Deno.test("splitAtOffsets clamps offsets outside the text (text still streaming or cut)", () => {
  const far = call("far", 99);
  const neg = call("neg", -4);
  const nan = call("nan", Number.NaN);
  const parts = splitAtOffsets("abc", [far, neg, nan]);
  assertEquals(parts, [
    { text: "", calls: [neg] },
    { text: "abc", calls: [far, nan] },
    { text: "", calls: [] },
  ]);
  // No text is lost or repeated.
  equal(parts.map((p) => p.text).join(""), "abc");
});

Deno.test("splitAtOffsets with no calls is the whole text", () => {
  assertEquals(splitAtOffsets("plain", []), [{ text: "plain", calls: [] }]);
});

Deno.test("upsertCall adds, replaces by id, and keeps the array when nothing changed", () => {
  const a = call("a", 0);
  const list = upsertCall([], a);
  assertEquals(list, [a]);
  const done = { ...a, status: "done" as const, result: "HI" };
  const next = upsertCall(list, done);
  assertEquals(next, [done]);
  equal(list[0].status, "running", "the old list is not mutated");
  equal(upsertCall(next, { ...done }), next, "same content: same array");
  assertEquals(upsertCall(next, call("b", 1)).map((c) => c.id), ["a", "b"]);
});

Deno.test("callsFromMeta reads meta.actions and skips malformed entries", () => {
  const a = call("a", 0);
  assertEquals(callsFromMeta({ actions: [a, null, { id: 3 }, "x"] }), [a]);
  assertEquals(callsFromMeta({ actions: "nope" }), []);
  assertEquals(callsFromMeta(null), []);
});

Deno.test("action events update only their message's calls", () => {
  const s = createChatState(
    null,
    [msg(0, "user", "hi"), msg(1, "assistant", "Let me see.")],
    false,
  );
  const m1 = findMessage(s, "m1")!;
  const m0 = findMessage(s, "m0")!;
  let listRenders = 0;
  let otherRenders = 0;
  let callRenders = 0;
  const stop = [
    effect(() => void (s.messages.value, listRenders++)),
    effect(() => void (m0.actions.value, otherRenders++)),
    effect(() => void (m1.actions.value, callRenders++)),
  ];
  const a = call("a", 11);
  applyTurnEvent(s, { type: "action", messageId: "m1", call: a });
  applyTurnEvent(s, {
    type: "action",
    messageId: "m1",
    call: { ...a, status: "done", result: "HI", startedAt: 1, endedAt: 5 },
  });
  // The same update twice changes nothing.
  applyTurnEvent(s, {
    type: "action",
    messageId: "m1",
    call: { ...a, status: "done", result: "HI", startedAt: 1, endedAt: 5 },
  });
  stop.forEach((f) => f());
  equal(m1.actions.value.length, 1);
  equal(m1.actions.value[0].status, "done");
  equal(m1.actions.value[0].result, "HI");
  equal(listRenders, 1, "the list did not change");
  equal(otherRenders, 1, "the other message did not change");
  equal(callRenders, 3, "initial run + two real changes");
});

Deno.test("an action event for an unknown message is ignored", () => {
  const s = createChatState(null, [msg(1, "assistant", "x")], false);
  equal(applyTurnEvent(s, { type: "action", messageId: "nope", call: call("a", 0) }), false);
  assertEquals(findMessage(s, "m1")!.actions.value, []);
});

Deno.test("calls come from meta on load, and a message event with meta replaces them", () => {
  const a = call("a", 1, { status: "done", result: "ok" });
  const s = createChatState(null, [msg(1, "assistant", "xy", { actions: [a] })], false);
  const m = findMessage(s, "m1")!;
  assertEquals(m.actions.value, [a]);
  // A message without meta says nothing about calls: they stay.
  upsertMessage(s, msg(1, "assistant", "xyz"));
  assertEquals(m.actions.value, [a]);
  const b = call("b", 3, { status: "error", error: "boom" });
  applyTurnEvent(s, { type: "message", message: msg(1, "assistant", "xyz", { actions: [a, b] }) });
  assertEquals(m.actions.value.map((c) => c.id), ["a", "b"]);
  // A snapshot of a running turn carries its calls too.
  applyTurnEvent(s, {
    type: "snapshot",
    message: { ...msg(2, "assistant", "", { actions: [call("c", 0)] }), status: "streaming" },
  });
  assertEquals(findMessage(s, "m2")!.actions.value.map((c) => c.id), ["c"]);
});

Deno.test("nextApproval picks the first waiting call not yet answered", () => {
  const wait1 = call("act_1", 0, { status: "awaiting_approval" });
  const wait2 = call("act_2", 0, { status: "awaiting_approval" });
  const streaming = (id: string, calls: ActionCall[]) =>
    ({ id, status: "streaming", calls }) as const;
  equal(nextApproval(streaming("m2", [call("r", 0), wait1, wait2])), wait1);
  equal(
    nextApproval(streaming("m2", [wait1, wait2]), new Set([approvalKey("m2", "act_1")])),
    wait2,
  );
  // Call ids repeat across messages: an answer in one message does not hide another's call.
  equal(nextApproval(streaming("m4", [wait1]), new Set([approvalKey("m2", "act_1")])), wait1);
  equal(nextApproval(streaming("m2", [call("d", 0, { status: "done" })])), null);
});

Deno.test("nextApproval asks nothing for a message that no longer streams", () => {
  // E.g. a reply interrupted by a crash, loaded with a call still marked as waiting.
  const waiting = [call("act_1", 0, { status: "awaiting_approval" })];
  for (const status of ["stopped", "complete", "error"] as const) {
    equal(nextApproval({ id: "m2", status, calls: waiting }), null, status);
  }
});

Deno.test("status words, durations, arguments and truncation", () => {
  equal(statusText("awaiting_approval"), "waiting for approval");
  equal(statusText("done"), "done");
  equal(formatDuration(320), "320 ms");
  equal(formatDuration(4210), "4.2 s");
  equal(formatDuration(42_000), "42 s");
  equal(formatDuration(125_000), "2 min 5 s");
  equal(callDuration(call("a", 0, { startedAt: 10, endedAt: 250 })), 240);
  equal(callDuration(call("a", 0, { startedAt: 10 })), null);
  equal(prettyArgs({ a: 1 }), '{\n  "a": 1\n}');
  equal(prettyArgs("{not json"), "{not json", "what the model wrote stays as written");
  assertEquals(truncate("abcdef", 3), { text: "abc", cut: true });
  assertEquals(truncate("abc", 3), { text: "abc", cut: false });
  ok(statusText("cancelled"));
});

Deno.test("runningTime shows whole seconds run and the call's limit, only while running", () => {
  const call: ActionCall = {
    id: "a",
    name: "p.x",
    args: {},
    status: "running",
    offset: 0,
    round: 0,
    mode: "tags",
    startedAt: 1_000,
    timeoutMs: 30_000,
  };
  assertEquals(runningTime(call, 5_400), "4 s of 30 s limit");
  assertEquals(runningTime(call, 126_000), "2 min 5 s of 30 s limit");
  assertEquals(runningTime({ ...call, timeoutMs: 120_000 }, 61_000), "1 min of 2 min limit");
  assertEquals(runningTime({ ...call, timeoutMs: undefined }, 1_500), "0 s");
  assertEquals(runningTime(call, 0), "0 s of 30 s limit", "a clock behind the server's");
  assertEquals(runningTime({ ...call, status: "done", endedAt: 2_000 }, 5_000), null);
});
