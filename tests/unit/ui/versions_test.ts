import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { createChatState } from "../../../lib/ui/chat_state.ts";
import { replaceFrom, versionPlace } from "../../../lib/ui/versions.ts";
import type { Message } from "../../../lib/store/types.ts";

function msg(id: string, seq: number, role: Message["role"], versions: string[] | null = null) {
  return {
    id,
    conversationId: "c1",
    parentId: null,
    seq,
    role,
    content: `text ${id}`,
    status: "complete",
    error: null,
    model: null,
    meta: null,
    createdAt: seq,
    updatedAt: seq,
    versions,
  } satisfies Message;
}

Deno.test("versionPlace: position, count and neighbours; null without other versions", () => {
  assertEquals(versionPlace("b", ["a", "b", "c"]), {
    index: 2,
    count: 3,
    previous: "a",
    next: "c",
  });
  assertEquals(versionPlace("a", ["a", "b"]), { index: 1, count: 2, previous: null, next: "b" });
  assertEquals(versionPlace("b", ["a", "b"]), { index: 2, count: 2, previous: "a", next: null });
  strictEqual(versionPlace("a", null), null);
  strictEqual(versionPlace("a", ["a"]), null);
  strictEqual(versionPlace("z", ["a", "b"]), null, "a list that does not hold it is ignored");
});

Deno.test("replaceFrom: the version and its branch replace the message and what followed", () => {
  const s = createChatState(null, [
    msg("q1", 0, "user"),
    msg("a1", 1, "assistant", ["a1", "a1b"]),
    msg("q2", 2, "user"),
    msg("a2", 3, "assistant"),
  ], false);
  const q1 = s.messages.peek()[0];
  replaceFrom(s, "a1", [msg("a1b", 5, "assistant", ["a1", "a1b"]), msg("t", 6, "tool")]);
  assertEquals(s.messages.peek().map((m) => m.id), ["q1", "a1b"], "tool messages stay hidden");
  strictEqual(s.messages.peek()[0], q1, "messages before it keep their state");
  assertEquals(s.messages.peek()[1].versions, ["a1", "a1b"]);
});
