/**
 * Choosing a default model from a provider's list, for a setup that finishes: once a base URL
 * or key works, the newcomer should not also have to know a model's name.
 *
 * @module
 */

// Ids of models that cannot hold a chat: embeddings, speech, images, moderation, and the
// legacy completion-only models (davinci, babbage).
const NOT_CHAT =
  /embed|whisper|tts|transcribe|dall-e|image|moderation|davinci|babbage|rerank|speech/i;

/**
 * Whether a model id looks like a chat model (not an obvious embedding, speech, image,
 * moderation or legacy completion model).
 *
 * @example
 * ```ts
 * isChatModel("llama3.2:3b"); // true
 * isChatModel("text-embedding-3-small"); // false
 * ```
 */
export function isChatModel(id: string): boolean {
  return !NOT_CHAT.test(id);
}

/**
 * The model to use by default from a provider's list, in the provider's order: the only one,
 * else the first chat model (see {@linkcode isChatModel}); `null` when the list is empty or
 * holds no chat model. Ids that are blank, longer than 200 characters or hold control
 * characters are never chosen.
 *
 * @example
 * ```ts
 * chooseDefaultModel(["nomic-embed-text", "llama3.2", "qwen2.5"]); // "llama3.2"
 * chooseDefaultModel(["whisper-1"]); // "whisper-1": the only one
 * chooseDefaultModel(["text-embedding-3-small", "tts-1"]); // null
 * ```
 */
export function chooseDefaultModel(ids: readonly string[]): string | null {
  // A provider's list is not trusted: an id that could not be saved as a setting is skipped.
  const usable = ids.filter(isUsableId);
  if (usable.length === 1) return usable[0];
  return usable.find(isChatModel) ?? null;
}

/** The longest model name rungpt saves (as its settings do). */
const MAX_MODEL_NAME = 200;

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/u;

function isUsableId(id: string): boolean {
  return id.trim() !== "" && id.length <= MAX_MODEL_NAME && !CONTROL.test(id);
}
