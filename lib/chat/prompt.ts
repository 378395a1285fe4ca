/**
 * Builds the message list sent upstream for a turn: the conversation's system prompt, then
 * the history. Failed or empty assistant messages are left out so a retry starts clean; turns
 * that called actions are replayed round by round.
 * @module
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { Conversation, Message } from "../store/types.ts";
import type { ActionMeta } from "./action_types.ts";
import { expandRounds } from "./history.ts";

/**
 * @example
 * ```ts
 * const messages = buildPrompt(conversation, history);
 * ```
 */
export function buildPrompt(
  conversation: Pick<Conversation, "systemPrompt">,
  history: Message[],
  mode: "tags" | "native" = "tags",
  /** The parts for each user message's attached files, by message id. */
  files?: Map<string, ChatCompletionContentPart[]>,
): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (conversation.systemPrompt.trim()) {
    out.push({ role: "system", content: conversation.systemPrompt });
  }
  for (const m of history) {
    const meta = (m.meta ?? {}) as ActionMeta;
    const parts = m.role === "user" ? files?.get(m.id) : undefined;
    if (parts) out.push({ role: "user", content: [{ type: "text", text: m.content }, ...parts] });
    else if (m.role === "user") out.push({ role: "user", content: m.content });
    else if (m.role === "assistant" && meta.rounds?.length) {
      // A turn that called actions: replay its rounds, results included.
      out.push(...expandRounds(meta.rounds, meta.actions ?? [], mode));
    } else if (m.role === "assistant" && m.content.trim()) {
      out.push({ role: "assistant", content: m.content });
    } else if (m.role === "system" && m.content.trim()) {
      out.push({ role: "system", content: m.content });
    }
  }
  return out;
}
