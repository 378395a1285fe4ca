/**
 * Listing the models a provider offers.
 *
 * @module
 */
import type OpenAI from "openai";
import { errorContext } from "./client.ts";
import { LlmError, toLlmError } from "./errors.ts";

/** The most model ids kept from one listing. */
export const MAX_MODELS = 1000;

/**
 * Returns the ids of the models at the client's base URL (at most {@linkcode MAX_MODELS}),
 * sorted and without duplicates.
 *
 * @throws {LlmError} mapped from the upstream error, or `protocol` for a malformed list.
 *
 * @example
 * ```ts
 * const ids = await listModels(createClient({ apiKey: null, baseURL: "http://127.0.0.1:11434/v1" }));
 * ```
 */
export async function listModels(client: OpenAI, signal?: AbortSignal): Promise<string[]> {
  return (await listModelsInOrder(client, signal)).sort((a, b) => a.localeCompare(b));
}

/**
 * Returns the ids of the models at the client's base URL in the provider's own order (the
 * order a default model is chosen in), without duplicates.
 *
 * @throws {LlmError} as {@linkcode listModels} does.
 *
 * @example
 * ```ts
 * const [first] = await listModelsInOrder(client);
 * ```
 */
export async function listModelsInOrder(
  client: OpenAI,
  signal?: AbortSignal,
): Promise<string[]> {
  const ctx = errorContext(client);
  const ids = new Set<string>();
  try {
    for await (const model of client.models.list({ signal })) {
      if (typeof model?.id !== "string") {
        throw new LlmError("protocol", `The model list from ${ctx.baseURL} is malformed.`);
      }
      ids.add(model.id);
      // Enough for any real server; a hostile one cannot grow the pages' lists past it.
      if (ids.size >= MAX_MODELS) break;
    }
  } catch (e) {
    if (signal?.aborted) throw new LlmError("aborted", "The request was cancelled.");
    throw toLlmError(e, ctx);
  }
  return [...ids];
}
