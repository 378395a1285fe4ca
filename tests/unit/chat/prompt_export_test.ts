import assert from "node:assert/strict";
import { exportFileName, toJsonExport, toMarkdown } from "../../../lib/chat/export.ts";
import { buildPrompt } from "../../../lib/chat/prompt.ts";
import type { Conversation, Message } from "../../../lib/store/types.ts";

const conversation: Conversation = {
  id: "c1",
  title: "Weather: today?",
  model: "gpt-4o",
  systemPrompt: "Be brief.",
  pinned: false,
  titleByUser: false,
  createdAt: 0,
  updatedAt: 0,
};

function message(
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
    createdAt: 0,
    updatedAt: 0,
    versions: null,
    ...extra,
  };
}

Deno.test("buildPrompt: system prompt first, then history; empty and failed replies left out", () => {
  const prompt = buildPrompt(conversation, [
    message(0, "user", "Hi"),
    message(1, "assistant", "", { status: "error", error: "boom" }),
    message(2, "user", "Again"),
    message(3, "assistant", "Hello"),
    message(4, "user", "More"),
    message(5, "assistant", "", { status: "streaming" }),
  ]);
  assert.deepEqual(prompt, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "user", content: "Again" },
    { role: "assistant", content: "Hello" },
    { role: "user", content: "More" },
  ]);
  assert.deepEqual(buildPrompt({ systemPrompt: "  " }, [message(0, "user", "x")]), [
    { role: "user", content: "x" },
  ]);
});

Deno.test("toMarkdown writes a readable transcript with statuses", () => {
  const md = toMarkdown(conversation, [
    message(0, "user", "Hi"),
    message(1, "assistant", "Hel", { status: "stopped", model: "gpt-4o" }),
    message(2, "assistant", "", { status: "error", error: "Rate limited" }),
  ]);
  assert.match(md, /^# Weather: today\?/);
  assert.match(md, /> Be brief\./);
  assert.match(md, /\*\*You\*\*\n\nHi/);
  assert.match(md, /\*\*Assistant \(gpt-4o\)\*\*\n\nHel\n\n_\(stopped\)_/);
  assert.match(md, /_\(error: Rate limited\)_/);
});

Deno.test("toJsonExport round-trips the conversation and messages", () => {
  const messages = [message(0, "user", "Hi")];
  const parsed = JSON.parse(toJsonExport(conversation, messages));
  assert.equal(parsed.format, "rungpt.conversation.v1");
  assert.deepEqual(parsed.conversation, conversation);
  assert.deepEqual(parsed.messages, messages);
});

Deno.test("exportFileName is a safe slug", () => {
  assert.equal(exportFileName(conversation, "md"), "weather-today.md");
  assert.equal(exportFileName({ ...conversation, title: '../"x"' }, "json"), "x.json");
  assert.equal(exportFileName({ ...conversation, title: "" }, "json"), "conversation.json");
});
