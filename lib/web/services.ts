/**
 * The services every route reaches through `ctx.state.app`: the store, the settings, the
 * model access and the turn runner. Built once by `main.ts` (and by tests).
 * @module
 */
import {
  type ActionAccess,
  createTurnRunner,
  type ModelAccess,
  type TurnRunner,
} from "../chat/turns.ts";
import { createClient } from "../llm/client.ts";
import { LlmError } from "../llm/errors.ts";
import { listModels } from "../llm/models.ts";
import { streamChat, type StreamChatParams } from "../llm/stream.ts";
import {
  actionSettings,
  type ListRemovals,
  loadSettings,
  type ProviderConfig,
  providerConfig,
  type PublicSettings,
  publicSettings,
  saveSettings,
  SettingsError,
  type SettingsPatch,
  updateSettings,
} from "../store/settings.ts";
import type { Env } from "../store/paths.ts";
import { gitTimeoutFrom } from "../plugins/git.ts";
import { createJobRunner, type JobRunner } from "../plugins/jobs.ts";
import { createPluginManager, type PluginManager } from "../plugins/manager.ts";
import type { PluginLimits } from "../plugins/registry.ts";
import type { Store } from "../store/types.ts";
import { escapeControls } from "../text/escape_controls.ts";
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
  /** Streams completions from the configured upstream. */
  model: ModelAccess;
  /** Plugin actions and their settings, as turns use them. */
  actions: ActionAccess;
  /** Installed plugins and their sandboxed actions. */
  plugins: PluginManager;
  /** Install and update jobs started from the browser. */
  jobs: JobRunner;
  /** The effective provider settings (server side: holds the key). */
  provider(): Promise<ProviderConfig>;
  /** The settings as the browser may see them. */
  publicSettings(): Promise<PublicSettings>;
  saveSettings(patch: SettingsPatch, remove?: ListRemovals): Promise<PublicSettings>;
  /** An `openai` client for the current settings; throws LlmError "no_key" if unusable. */
  client(): Promise<OpenAI>;
  /** The upstream's models, sorted. */
  models(): Promise<string[]>;
  /** Reports a failure that no request is left to answer with (into the server log). */
  reportError(error: unknown): void;
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
  /** Server log lines (plugin logs go here). */
  log?: (line: string) => void;
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
  const plugins = createPluginManager({
    pluginsDir: opts.pluginsDir,
    dataDir,
    limits: actionLimits(env),
    // Escaped by the runtime already; again here, since this line goes to a terminal.
    onLog: (entry) =>
      opts.log?.(escapeControls(`[plugin ${entry.plugin}] ${entry.level}: ${entry.message}`)),
  });
  const jobs = createJobRunner({
    pluginsDir: opts.pluginsDir,
    dataDir,
    gitBase: env.RUNGPT_GIT_BASE,
    gitTimeoutMs: gitTimeoutFrom(env, (m) => opts.log?.(`warning: ${m}`)),
    onChange: (name) => plugins.invalidate(name),
  });
  const provider = async () => {
    try {
      return providerConfig(await loadSettings(dataDir), env);
    } catch (e) {
      // Turns show this like a missing key: with a pointer to what to fix.
      if (e instanceof SettingsError) throw new LlmError("no_key", e.message);
      throw e;
    }
  };
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
    async *stream(request, signal) {
      yield* streamChat(await client(), request as StreamChatParams, signal);
    },
  };
  const settingsNow = async () => actionSettings(await loadSettings(dataDir), env);
  const actions: ActionAccess = {
    actions: () => plugins.actions(),
    call: (plugin, action, input, callOpts) => plugins.call(plugin, action, input, callOpts),
    warm: () => plugins.warm(),
    settings: settingsNow,
    allowAlways: (id) => addToList(dataDir, "alwaysAllowed", id),
    markNativeUnsupported: (name) => addToList(dataDir, "nativeToolsUnsupported", name),
  };
  return {
    version: opts.version,
    store: opts.store,
    dataDir,
    pluginsDir: opts.pluginsDir,
    env,
    apiToken: opts.apiToken,
    turns: createTurnRunner({ store: opts.store, model, actions, onError: opts.onError }),
    model,
    actions,
    plugins,
    jobs,
    provider,
    publicSettings: async () => publicSettings(await loadSettings(dataDir), env),
    saveSettings: async (patch, remove) =>
      publicSettings(await saveSettings(dataDir, patch, remove), env),
    client,
    models: async () => listModels(await client()),
    reportError: opts.onError ?? ((e) => console.error(e)),
  };
}

/** Adds `value` to a list setting, as one step in the settings' save queue. */
async function addToList(
  dataDir: string,
  field: "alwaysAllowed" | "nativeToolsUnsupported",
  value: string,
): Promise<void> {
  await updateSettings(dataDir, (stored) => {
    const list = stored[field] ?? [];
    return list.includes(value) ? null : { [field]: [...list, value] };
  });
}

/**
 * Plugin limits from the environment: `RUNGPT_ACTION_TIMEOUT_MS` sets the time limit of one
 * action call (a positive integer; anything else keeps the default).
 *
 * @example
 * ```ts
 * actionLimits({ RUNGPT_ACTION_TIMEOUT_MS: "5000" }); // { timeoutMs: 5000 }
 * ```
 */
export function actionLimits(env: Env): Partial<PluginLimits> {
  const timeoutMs = Number(env.RUNGPT_ACTION_TIMEOUT_MS?.trim() || NaN);
  return Number.isSafeInteger(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {};
}
