import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { effect } from "@preact/signals";
import {
  applyTurnEvent,
  createChatState,
  dropFrom,
  findMessage,
  lastOfRole,
  messageBlocks,
  upsertMessage,
} from "../../../lib/ui/chat_state.ts";
import type { Message } from "../../../lib/store/types.ts";

function msg(
  seq: number,
  role: Message["role"],
  content: string,
  extra: Partial<Message> = {},
): Message {
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
    meta: null,
    createdAt: seq,
    updatedAt: seq,
    versions: null,
    ...extra,
  };
}

Deno.test("only user and assistant messages are shown", () => {
  const s = createChatState(null, [
    msg(0, "system", "s"),
    msg(1, "user", "hi"),
    msg(2, "tool", "t"),
  ], false);
  assertEquals(s.messages.value.map((m) => m.id), ["m1"]);
});

Deno.test("a delta re-renders only the growing message, not the list", () => {
  const many = Array.from(
    { length: 2000 },
    (_, i) => msg(i, i % 2 ? "assistant" : "user", `m${i}`),
  );
  const s = createChatState(null, many, true);
  let listRuns = 0;
  let otherRuns = 0;
  let growingRuns = 0;
  const stops = [
    effect(() => void (s.messages.value, listRuns++)),
    effect(() => void (s.messages.value[10].content.value, otherRuns++)),
  ];
  const growing = findMessage(s, "m1999")!;
  stops.push(effect(() => void (growing.content.value, growingRuns++)));
  applyTurnEvent(s, { type: "delta", messageId: "m1999", text: " more" });
  applyTurnEvent(s, { type: "delta", messageId: "m1999", text: "!" });
  assertEquals(growing.content.value, "m1999 more!");
  assertEquals([listRuns, otherRuns, growingRuns], [1, 1, 3]);
  stops.forEach((stop) => stop());
});

Deno.test("snapshot upserts the streaming message and marks the turn running", () => {
  const s = createChatState(null, [msg(0, "user", "hi")], false);
  applyTurnEvent(s, {
    type: "snapshot",
    message: msg(1, "assistant", "Hel", { status: "streaming" }),
  });
  assertEquals(s.running.value, true);
  applyTurnEvent(s, {
    type: "snapshot",
    message: msg(1, "assistant", "Hello", { status: "streaming" }),
  });
  assertEquals(s.messages.value.map((m) => m.content.value), ["hi", "Hello"]);
});

Deno.test("end with an error keeps the partial text and records the kind", () => {
  const s = createChatState(null, [
    msg(0, "user", "hi"),
    msg(1, "assistant", "partial", { status: "streaming" }),
  ], true);
  const over = applyTurnEvent(s, {
    type: "end",
    status: "error",
    error: "Bad key",
    errorKind: "auth",
  });
  assertEquals(over, true);
  const last = lastOfRole(s.messages.value, "assistant")!;
  assertEquals([last.content.value, last.status.value, last.error.value, last.errorKind.value], [
    "partial",
    "error",
    "Bad key",
    "auth",
  ]);
  assertEquals(s.running.value, false);
});

Deno.test("end stopped marks the streaming message stopped; idle ends the turn", () => {
  const s = createChatState(null, [msg(1, "assistant", "x", { status: "streaming" })], true);
  applyTurnEvent(s, { type: "end", status: "stopped" });
  assertEquals(s.messages.value[0].status.value, "stopped");
  s.running.value = true;
  assertEquals(applyTurnEvent(s, { type: "idle" }), true);
  assertEquals(s.running.value, false);
});

Deno.test("upsert keeps seq order and dropFrom removes the tail", () => {
  const s = createChatState(null, [msg(0, "user", "a"), msg(3, "assistant", "d")], false);
  upsertMessage(s, msg(1, "assistant", "b"));
  assertEquals(s.messages.value.map((m) => m.seq), [0, 1, 3]);
  dropFrom(s, 1);
  assertEquals(s.messages.value.map((m) => m.seq), [0]);
});

Deno.test("errorKind is read from message meta when the server stores it", () => {
  const s = createChatState(null, [
    msg(1, "assistant", "", { status: "error", meta: { errorKind: "no_key" } }),
  ], false);
  assertEquals(s.messages.value[0].errorKind.value, "no_key");
});

Deno.test("messageBlocks groups by seq, so blocks stay put as pages arrive", () => {
  const at = (seqs: number[]) =>
    createChatState(null, seqs.map((seq) => msg(seq, seq % 2 ? "assistant" : "user", "x")), false)
      .messages.value;
  const keys = (seqs: number[]) =>
    messageBlocks(at(seqs), 25).map((b) => [b.key, b.messages.map((m) => m.seq)]);
  assertEquals(keys([23, 24, 25, 26]), [[0, [23, 24]], [1, [25, 26]]]);
  // An older page before: the block of 23 and 24 gains members; nothing moves.
  assertEquals(keys([20, 21, 22, 23, 24, 25, 26]), [[0, [20, 21, 22, 23, 24]], [1, [25, 26]]]);
  // Gaps in seq (regenerated replies) are fine.
  assertEquals(keys([3, 90]), [[0, [3]], [3, [90]]]);
  assertEquals(messageBlocks([], 25), []);
});
