/**
 * Chat titles: the first line of the first message until the model names the chat, and the
 * one short request that asks it to, after the first exchange. Titles are shown as plain text,
 * so markdown is taken out of both.
 * @module
 */
import { stripMarkdown } from "../ui/plain_text.ts";
import type { CompleteFn } from "./loop.ts";

/** The longest title kept, in characters (a sidebar row shows about half of it). */
export const MAX_TITLE_LENGTH = 60;

/** How long the title request may take; after that the chat keeps its first-line title. */
export const TITLE_TIMEOUT_MS = 10_000;

/** Enough for a few words from any tokenizer; a model that rambles is cut off early. */
const TITLE_MAX_TOKENS = 32;

/** How much of each message the model sees: the start says what a chat is about. */
const EXCERPT_CHARS = 2_000;

/** The instruction of the title request. */
export const TITLE_INSTRUCTION =
  "Write a title of 3 to 6 words for this conversation, in the language of the user's " +
  "message. Answer with the title only: no quotes, no markdown, no final period.";

/**
 * The title a chat has until the model names it: the first non-blank line of `text` without
 * markdown, cut at a word near {@linkcode MAX_TITLE_LENGTH}; "New chat" when nothing is left.
 *
 * @example
 * ```ts
 * fallbackTitle("## Fix **this** bug\nThe stack trace…"); // "Fix this bug"
 * ```
 */
export function fallbackTitle(text: string): string {
  return cleanTitle(text) ?? "New chat";
}

/**
 * A title from free text (a model's answer, a message): its first non-blank line without
 * markdown, surrounding quotes, a "Title:" label or a final period, with whitespace collapsed
 * and cut at a word near {@linkcode MAX_TITLE_LENGTH}. `null` when nothing is left.
 *
 * @example
 * ```ts
 * cleanTitle('Title: "**Paris** trip plan."'); // "Paris trip plan"
 * ```
 */
export function cleanTitle(text: string): string | null {
  const line = stripMarkdown(text).split("\n").map((l) => l.replace(/\s+/g, " ").trim())
    .find((l) => l !== "");
  if (!line) return null;
  const bare = line
    .replace(/^title\s*:\s*/i, "")
    .replace(/^["'“”‘’«»`]+|["'“”‘’«»`]+$/g, "")
    .replace(/(?<!\.)\.$/, "")
    .trim();
  return bare ? shorten(bare) : null;
}

function shorten(line: string): string {
  if (line.length <= MAX_TITLE_LENGTH) return line;
  const cut = line.slice(0, MAX_TITLE_LENGTH);
  const space = cut.lastIndexOf(" ");
  return (space > MAX_TITLE_LENGTH / 2 ? cut.slice(0, space) : cut) + "…";
}

/** What {@linkcode generateTitle} needs. */
export interface TitleRequest {
  complete: CompleteFn;
  model: string;
  /** The first exchange. */
  user: string;
  assistant: string;
  /** Ends the request early (the turn was stopped, the server shuts down). */
  signal: AbortSignal;
  /** Default {@linkcode TITLE_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Asks the model for a title of the first exchange: one non-streamed request with a small
 * `max_tokens`, bounded in time. Never throws: a title is a nicety, so any failure (an error,
 * a timeout, an empty or unusable answer) is `null` and the chat keeps its title.
 *
 * @example
 * ```ts
 * const title = await generateTitle({ complete, model: "gpt-4o", user, assistant, signal });
 * ```
 */
export async function generateTitle(req: TitleRequest): Promise<string | null> {
  const signal = AbortSignal.any([
    req.signal,
    AbortSignal.timeout(req.timeoutMs ?? TITLE_TIMEOUT_MS),
  ]);
  try {
    const reply = await req.complete({
      model: req.model,
      max_tokens: TITLE_MAX_TOKENS,
      messages: [
        { role: "system", content: TITLE_INSTRUCTION },
        {
          role: "user",
          content: `User: ${excerpt(req.user)}\n\nAssistant: ${excerpt(req.assistant)}`,
        },
      ],
    }, signal);
    const text = reply.choices?.[0]?.message?.content;
    return typeof text === "string" ? cleanTitle(text) : null;
  } catch {
    return null;
  }
}

function excerpt(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : text.slice(0, EXCERPT_CHARS) + "…";
}
