/**
 * The model side of setup: what the provider lists, the default model chosen from it when
 * none is set (so a newcomer who saves only a base URL can chat at once), and a default the
 * provider no longer lists (flagged, not replaced: the user chose it).
 * @module
 */
import { checkProvider } from "../llm/provider_check.ts";
import { chooseDefaultModel } from "../llm/model_choice.ts";
import type { LlmErrorKind } from "../llm/errors.ts";
import { loadSettings, providerConfig, updateSettings } from "../store/settings.ts";
import type { Env } from "../store/paths.ts";

/** What the chat and Settings pages show about the models (`GET /api/models`). */
export interface ModelStatus {
  /** The provider's models, sorted; empty when listing failed. */
  models: string[];
  /** The default model in effect (saved, from `RUNGPT_MODEL`, or just chosen). */
  default: string | null;
  /** Set when rungpt chose the default just now, because none was set. */
  chosen?: string;
  /** The default is set, but the provider lists other models and not it. */
  stale?: boolean;
  /** Why the models could not be listed. */
  error?: string;
  kind?: LlmErrorKind;
}

/** Said when there is nothing to talk to: no key and no base URL. */
export const NO_PROVIDER_MESSAGE =
  "No API key is set. Add one in Settings (or set OPENAI_API_KEY), or point the base URL at a local server such as Ollama.";

/**
 * Lists the provider's models and, when no default model is set, saves the one
 * {@linkcode chooseDefaultModel} picks. A default set meanwhile (another tab) is kept.
 *
 * @throws {SettingsError} when the settings file cannot be read.
 *
 * @example
 * ```ts
 * const status = await modelStatus(dataDir, env);
 * if (status.chosen) console.log(`default model: ${status.chosen}`);
 * ```
 */
export async function modelStatus(dataDir: string, env: Env): Promise<ModelStatus> {
  const cfg = providerConfig(await loadSettings(dataDir), env);
  if (!cfg.apiKey && !cfg.baseURL) {
    return { models: [], default: cfg.model, error: NO_PROVIDER_MESSAGE, kind: "no_key" };
  }
  const check = await checkProvider({ apiKey: cfg.apiKey, baseURL: cfg.baseURL });
  if (!check.ok) return { models: [], default: cfg.model, error: check.error, kind: check.kind };
  const models = [...check.models].sort((a, b) => a.localeCompare(b));
  if (cfg.model !== null) {
    const stale = models.length > 0 && !models.includes(cfg.model);
    return { models, default: cfg.model, ...(stale ? { stale } : {}) };
  }
  const pick = chooseDefaultModel(check.models);
  if (pick === null) return { models, default: null };
  let chose = false;
  const saved = await updateSettings(dataDir, (current) => {
    if (current.model) return null;
    chose = true;
    return { model: pick };
  });
  return { models, default: saved.model ?? pick, ...(chose ? { chosen: pick } : {}) };
}
