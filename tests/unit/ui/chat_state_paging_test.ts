import assert from "node:assert/strict";
import {
  applyTurnEvent,
  createChatState,
  mergeLatest,
  prependMessages,
} from "../../../lib/ui/chat_state.ts";
import type { Conversation, Message, Role } from "../../../lib/store/types.ts";

const conv: Conversation = {
  id: "c1",
  title: "t",
  model: null,
  systemPrompt: "",
  pinned: false,
  titleByUser: false,
  createdAt: 1,
  updatedAt: 1,
};

function msg(seq: number, role: Role = seq % 2 ? "assistant" : "user"): Message {
  return {
    id: `m${seq}`,
    conversationId: "c1",
    parentId: seq ? `m${seq - 1}` : null,
    seq,
    role,
    content: `text ${seq}`,
    status: "complete",
    error: null,
    model: null,
    meta: null,
    createdAt: seq,
    updatedAt: seq,
    versions: null,
  };
}
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => msg(from + i));
const ids = (s: ReturnType<typeof createChatState>) => s.messages.value.map((m) => m.id);

Deno.test("createChatState records the window's oldest seq and hasMore", () => {
  const s = createChatState(conv, range(100, 200), false, true);
  assert.equal(s.oldestSeq.value, 100);
  assert.equal(s.hasMore.value, true);
  assert.equal(s.loadingOlder.value, false);
  assert.equal(createChatState(null, [], false).oldestSeq.value, null);
});

Deno.test("prependMessages puts an older page first and keeps the newer messages' state", () => {
  const s = createChatState(conv, range(100, 200), false, true);
  const kept = s.messages.value[5];
  prependMessages(s, range(0, 100), false);
  assert.equal(s.messages.value.length, 200);
  assert.deepEqual(ids(s).slice(0, 3), ["m0", "m1", "m2"]);
  assert.equal(s.messages.value[105], kept, "loaded messages keep their signals");
  assert.equal(s.oldestSeq.value, 0);
  assert.equal(s.hasMore.value, false);
});

Deno.test("prependMessages skips what is loaded and counts hidden messages for paging", () => {
  const s = createChatState(conv, range(10, 20), false, true);
  // An overlapping window (e.g. one reaching down to the newest) adds only the older part;
  // a tool message is not shown but moves the paging point.
  prependMessages(s, [msg(7), msg(8, "tool"), msg(9), ...range(10, 20)], true);
  assert.deepEqual(ids(s).slice(0, 3), ["m7", "m9", "m10"]);
  assert.equal(s.messages.value.length, 12);
  assert.equal(s.oldestSeq.value, 7);
  assert.equal(s.hasMore.value, true);
  // Nothing older arrived (e.g. deleted meanwhile): the list stays, hasMore follows the server.
  prependMessages(s, [], false);
  assert.equal(s.messages.value.length, 12);
  assert.equal(s.hasMore.value, false);
});

Deno.test("streaming still updates only its message after older pages arrive", () => {
  const s = createChatState(
    conv,
    [...range(100, 199), { ...msg(199), status: "streaming" }],
    true,
    true,
  );
  prependMessages(s, range(0, 100), false);
  const before = s.messages.value;
  applyTurnEvent(s, { type: "delta", messageId: "m199", text: " more" });
  assert.equal(s.messages.value, before, "the list itself did not change");
  assert.equal(s.messages.value.at(-1)!.content.value, "text 199 more");
});

Deno.test("mergeLatest updates in place, or replaces the window across a gap", () => {
  const s = createChatState(conv, range(0, 10), false, false);
  const first = s.messages.value[0];
  mergeLatest(s, [{ ...msg(9), content: "final" }, msg(10), msg(11)], true);
  assert.deepEqual(ids(s).slice(-3), ["m9", "m10", "m11"]);
  assert.equal(s.messages.value[0], first);
  assert.equal(s.messages.value[9].content.value, "final");
  assert.equal(s.oldestSeq.value, 0);
  // The latest window starts after a gap: it replaces what was loaded.
  mergeLatest(s, range(50, 60), true);
  assert.deepEqual(ids(s), range(50, 60).map((m) => m.id));
  assert.equal(s.oldestSeq.value, 50);
  assert.equal(s.hasMore.value, true);
});
