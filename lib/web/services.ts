/**
 * The services every route reaches through `ctx.state.app`: the store, the settings, the
 * model access and the turn runner. Built once by `main.ts` (and by tests).
 * @module
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { createTurnRunner, type ModelAccess, type TurnRunner } from "../chat/turns.ts";
import { createClient } from "../llm/client.ts";
import { LlmError } from "../llm/errors.ts";
import { listModels } from "../llm/models.ts";
import { streamChat } from "../llm/stream.ts";
import {
  loadSettings,
  type ProviderConfig,
  providerConfig,
  type PublicSettings,
  publicSettings,
  saveSettings,
  type SettingsPatch,
} from "../store/settings.ts";
import type { Env } from "../store/paths.ts";
import type { Store } from "../store/types.ts";
import type OpenAI from "openai";

/** Everything a route needs. */
export interface AppServices {
  version: string;
  store: Store;
  dataDir: string;
  pluginsDir: string;
  env: Env;
  /** The access token for `/v1` and, off loopback, for the UI. */
  apiToken: string;
  turns: TurnRunner;
  /** The effective provider settings (server side: holds the key). */
  provider(): Promise<ProviderConfig>;
  /** The settings as the browser may see them. */
  publicSettings(): Promise<PublicSettings>;
  saveSettings(patch: SettingsPatch): Promise<PublicSettings>;
  /** An `openai` client for the current settings; throws LlmError "no_key" if unusable. */
  client(): Promise<OpenAI>;
  /** The upstream's models, sorted. */
  models(): Promise<string[]>;
}

/** The `ctx.state` of every handler. */
export interface AppState {
  app: AppServices;
}

/** Options for {@linkcode createServices}. */
export interface ServiceOptions {
  version: string;
  store: Store;
  dataDir: string;
  pluginsDir: string;
  env: Env;
  apiToken: string;
  onError?: (error: unknown) => void;
}

/**
 * Wires the services together.
 *
 * @example
 * ```ts
 * const app = createServices({ version, store, dataDir, pluginsDir, env: Deno.env.toObject() });
 * ```
 */
export function createServices(opts: ServiceOptions): AppServices {
  const { dataDir, env } = opts;
  const provider = async () => providerConfig(await loadSettings(dataDir), env);
  const client = async () => {
    const cfg = await provider();
    if (!cfg.apiKey && !cfg.baseURL) {
      throw new LlmError(
        "no_key",
        "No API key is set. Add one in Settings (or set OPENAI_API_KEY), or point the base URL at a local server such as Ollama.",
      );
    }
    return createClient({ apiKey: cfg.apiKey, baseURL: cfg.baseURL });
  };
  const model: ModelAccess = {
    defaultModel: async () => (await provider()).model,
    async *stream(request: { model: string; messages: ChatCompletionMessageParam[] }, signal) {
      yield* streamChat(await client(), { ...request, stream: true }, signal);
    },
  };
  return {
    version: opts.version,
    store: opts.store,
    dataDir,
    pluginsDir: opts.pluginsDir,
    env,
    apiToken: opts.apiToken,
    turns: createTurnRunner({ store: opts.store, model, onError: opts.onError }),
    provider,
    publicSettings: async () => publicSettings(await loadSettings(dataDir), env),
    saveSettings: async (patch) => publicSettings(await saveSettings(dataDir, patch), env),
    client,
    models: async () => listModels(await client()),
  };
}
