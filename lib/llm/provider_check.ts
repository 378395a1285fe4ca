/**
 * Checking a provider: does its `GET {base}/models` answer, and with which models. Used by
 * Settings' "Test connection" (values not saved yet) and to choose a default model.
 *
 * @module
 */
import { type ClientConfig, createClient, OPENAI_BASE_URL } from "./client.ts";
import { type LlmErrorKind, toLlmError } from "./errors.ts";
import { listModelsInOrder } from "./models.ts";

/** How long a check waits for the provider's answer: a setup step, not a long reply. */
export const CHECK_TIMEOUT_MS = 15_000;

/** What a provider check found. */
export type ProviderCheck =
  | { ok: true; baseURL: string; models: string[] }
  | { ok: false; baseURL: string; error: string; kind: LlmErrorKind };

/**
 * Lists the models of the provider at `cfg`, in the provider's order. Never throws: a failure
 * is `{ ok: false }` with a message that names what was wrong (unreachable, a rejected key, a
 * base URL without the API under it) and never holds the key.
 *
 * @example
 * ```ts
 * const check = await checkProvider({ apiKey: null, baseURL: "http://127.0.0.1:11434" });
 * // { ok: false, kind: "not_found", error: "Nothing at http://127.0.0.1:11434/models (404). …try http://127.0.0.1:11434/v1." }
 * ```
 */
export async function checkProvider(
  cfg: ClientConfig,
  signal?: AbortSignal,
): Promise<ProviderCheck> {
  const baseURL = displayBase(cfg.baseURL);
  try {
    const client = createClient({ ...cfg, timeoutMs: cfg.timeoutMs ?? CHECK_TIMEOUT_MS });
    return { ok: true, baseURL, models: await listModelsInOrder(client, signal) };
  } catch (e) {
    const error = toLlmError(e, { baseURL, apiKey: cfg.apiKey });
    const message = error.kind === "not_found" ? notFoundMessage(baseURL) : error.message;
    return { ok: false, baseURL, error: message, kind: error.kind };
  }
}

/** The message for a 404 from the model list: most often a base URL missing its `/v1`. */
function notFoundMessage(baseURL: string): string {
  const hint = /\/v1$/.test(baseURL)
    ? "Check the base URL: it should be where the server's OpenAI-compatible API starts."
    : `Check the base URL: OpenAI-compatible servers usually end in /v1 (try ${baseURL}/v1).`;
  return `Nothing at ${baseURL}/models (404). ${hint}`;
}

function displayBase(raw: string | null): string {
  const text = raw?.trim();
  if (!text) return OPENAI_BASE_URL;
  try {
    const url = new URL(text);
    url.username = "";
    url.password = "";
    return url.href.replace(/\/+$/, "");
  } catch {
    return text;
  }
}
