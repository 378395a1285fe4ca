/**
 * Conversation exports: Markdown for reading, JSON for tools and re-import. Both follow the
 * branch shown (the versions on screen); Markdown marks a message that has other versions,
 * and JSON carries those versions too, so the whole tree can be rebuilt from `parentId`.
 * @module
 */
import type { Conversation, Message } from "../store/types.ts";
import { attachmentsFromMeta, formatSize } from "./attachment_meta.ts";

/**
 * A readable Markdown transcript.
 *
 * @example
 * ```ts
 * toMarkdown(conversation, messages); // "# Title\n\n**You**\n\nHi…"
 * ```
 */
export function toMarkdown(conversation: Conversation, messages: Message[]): string {
  const lines = [`# ${conversation.title || "New chat"}`, ""];
  const when = new Date(conversation.createdAt).toISOString();
  lines.push(
    `_Exported from rungpt. Started ${when}${
      conversation.model ? `, model ${conversation.model}` : ""
    }._`,
    "",
  );
  if (conversation.systemPrompt.trim()) {
    lines.push("**System prompt**", "", quote(conversation.systemPrompt), "");
  }
  for (const m of messages) {
    const who = m.role === "user"
      ? "You"
      : m.role === "assistant"
      ? `Assistant${m.model ? ` (${m.model})` : ""}`
      : m.role;
    const version = m.versions && m.versions.length > 1
      ? ` _(version ${m.versions.indexOf(m.id) + 1} of ${m.versions.length})_`
      : "";
    const files = attachmentsFromMeta(m.meta);
    lines.push(`**${who}**${version}`, "");
    if (m.content || !files.length) lines.push(m.content || "_(empty)_", "");
    if (files.length) {
      lines.push(...files.map((f) => `- 📎 ${f.name} (${f.type}, ${formatSize(f.size)})`), "");
    }
    if (m.status === "stopped") lines.push("_(stopped)_", "");
    if (m.status === "error" && m.error) lines.push(`_(error: ${m.error})_`, "");
  }
  return lines.join("\n");
}

function quote(text: string): string {
  return text.split("\n").map((l) => `> ${l}`).join("\n");
}

/**
/**
 * The whole conversation as JSON: header, the branch shown (`messages`), and every other
 * version with what followed it (`otherVersions`, each naming its `parentId`). Attached files
 * are referenced from their message's `meta.attachments` (name, type, size, sha256, and the id
 * that `GET /api/attachments/:id` serves), not inlined: a chat with photos stays a small file.
 */
export function toJsonExport(
  conversation: Conversation,
  messages: Message[],
  otherVersions: Message[] = [],
): string {
  return JSON.stringify(
    { format: "rungpt.conversation.v1", conversation, messages, otherVersions },
    null,
    2,
  );
}

/** A safe download name from the title, e.g. `my-chat.md`. */
export function exportFileName(conversation: Conversation, ext: "md" | "json"): string {
  const slug = (conversation.title || "conversation").toLowerCase().normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "conversation";
  return `${slug}.${ext}`;
}
