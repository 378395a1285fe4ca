/**
 * The services every route reaches through `ctx.state.app`: the store, the settings, the
 * model access and the turn runner. Built once by `main.ts` (and by tests).
 * @module
 */
import { createTurnRunner, type ModelAccess, type TurnRunner } from "../chat/turns.ts";
import type { ToolCatalogue } from "../tools/catalogue.ts";
import { createSettingsCatalogue } from "../tools/settings_catalogue.ts";
import { actionLimits } from "../plugins/action_limits.ts";
import { McpSessions } from "../mcp_serve/sessions.ts";
import { createToolServer } from "../mcp_serve/tool_server.ts";
import { pluginSource } from "../tools/plugin_source.ts";
import { mcpSource } from "../tools/mcp_source.ts";
import { createMcpManager, type McpManager } from "../mcp/manager.ts";
import type { McpLimits } from "../mcp/limits.ts";
import { createClient } from "../llm/client.ts";
import { LlmError } from "../llm/errors.ts";
import { listModels } from "../llm/models.ts";
import { checkProvider, type ProviderCheck } from "../llm/provider_check.ts";
import { type ModelStatus, modelStatus, NO_PROVIDER_MESSAGE } from "./model_setup.ts";
import { streamChat, type StreamChatParams } from "../llm/stream.ts";
import { completeChat, type CompleteChatParams } from "../llm/complete.ts";
import {
  autoTitles,
  corsOrigins,
  type ListRemovals,
  loadSettings,
  type ProviderConfig,
  providerConfig,
  type PublicSettings,
  publicSettings,
  saveSettings,
  SettingsError,
  type SettingsPatch,
} from "../store/settings.ts";
import type { Env } from "../store/paths.ts";
import { gitTimeoutFrom } from "../plugins/git.ts";
import { repoLimitsFrom } from "../plugins/repo_limits.ts";
import { createJobRunner, type JobRunner } from "../plugins/jobs.ts";
import { createPluginManager, type PluginManager } from "../plugins/manager.ts";
import type { Store } from "../store/types.ts";
import { escapeControls } from "../text/escape_controls.ts";
import type OpenAI from "openai";
import { UpstreamFeatures } from "../gateway/upstream_features.ts";
import { type Attachments, createAttachments } from "../chat/attachments.ts";

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
  /** Files attached to messages: upload, store, sweep. */
  attachments: Attachments;
  /** Streams completions from the configured upstream. */
  model: ModelAccess;
  /** Every tool (plugin actions), listed, approved and run through one port. */
  tools: ToolCatalogue;
  /** The wasm plugin actions alone, as `/mcp` and `rungpt mcp serve` offer them. */
  pluginTools: ToolCatalogue;
  /** The Streamable HTTP sessions of `/mcp`. */
  mcpSessions: McpSessions;
  /** Installed plugins and their sandboxed actions. */
  plugins: PluginManager;
  /** Install and update jobs started from the browser. */
  jobs: JobRunner;
  /** The MCP servers the user added, run under the Deno permissions they were granted. */
  mcp: McpManager;
  /** The effective provider settings (server side: holds the key). */
  provider(): Promise<ProviderConfig>;
  /** The settings as the browser may see them. */
  publicSettings(): Promise<PublicSettings>;
  saveSettings(patch: SettingsPatch, remove?: ListRemovals): Promise<PublicSettings>;
  /** An `openai` client for the current settings; throws LlmError "no_key" if unusable. */
  client(): Promise<OpenAI>;
  /** The upstream's models, sorted. */
  models(): Promise<string[]>;
  /**
   * The upstream's models and the default model, choosing and saving one when none is set
   * (see `model_setup.ts`).
   */
  modelStatus(): Promise<ModelStatus>;
  /**
   * Lists the models with the given values in place of the saved ones, saving nothing
   * (Settings' "Test connection"). An absent field uses the value in effect.
   */
  testProvider(values: ProviderValues): Promise<ProviderCheck>;
  /** Origins whose pages may call `/v1` from a browser (environment and settings). */
  corsOrigins(): Promise<string[]>;
  /** What `/v1` learnt about the upstreams (which have no Responses API). */
  upstreams: UpstreamFeatures;
  /** Reports a failure that no request is left to answer with (into the server log). */
  reportError(error: unknown): void;
}

/** Provider values to try: a string replaces the value in effect, `null` clears it. */
export interface ProviderValues {
  apiKey?: string | null;
  baseURL?: string | null;
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
    repoLimits: repoLimitsFrom(env, (m) => opts.log?.(`warning: ${m}`)),
    onChange: (name) => plugins.invalidate(name),
  });
  const mcp = createMcpManager({
    dataDir,
    env,
    limits: mcpLimits(env),
    onLog: (server, line) => opts.log?.(`[mcp ${server}] ${line}`),
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
      throw new LlmError("no_key", NO_PROVIDER_MESSAGE);
    }
    return createClient({ apiKey: cfg.apiKey, baseURL: cfg.baseURL });
  };
  const model: ModelAccess = {
    async defaultModel() {
      const set = (await provider()).model;
      if (set !== null) return set;
      // None set (a base URL from OPENAI_BASE_URL alone): the provider's list picks one, and
      // when it cannot be listed, the reply says why rather than "no model".
      const status = await modelStatus(dataDir, env);
      if (status.default === null && status.error) {
        throw new LlmError(status.kind ?? "protocol", status.error);
      }
      return status.default;
    },
    async ready() {
      let cfg: ProviderConfig;
      try {
        cfg = providerConfig(await loadSettings(dataDir), env);
      } catch {
        return; // A broken settings file fails the reply, which says what to fix.
      }
      if (!cfg.apiKey && !cfg.baseURL) throw new LlmError("no_key", NO_PROVIDER_MESSAGE);
    },
    async *stream(request, signal) {
      yield* streamChat(await client(), request as StreamChatParams, signal);
    },
    async complete(request, signal) {
      return await completeChat(await client(), request as CompleteChatParams, signal);
    },
  };
  const tools = createSettingsCatalogue({
    sources: [pluginSource(plugins), mcpSource(mcp)],
    dataDir,
    env,
  });
  // What `/mcp` offers: the wasm plugins only, never the MCP servers rungpt itself uses.
  const pluginTools = createSettingsCatalogue({ sources: [pluginSource(plugins)], dataDir, env });
  const attachments = createAttachments(opts.store, dataDir);
  return {
    version: opts.version,
    store: opts.store,
    dataDir,
    pluginsDir: opts.pluginsDir,
    env,
    apiToken: opts.apiToken,
    turns: createTurnRunner({
      store: opts.store,
      model,
      tools,
      attachments,
      onError: opts.onError,
      autoTitles: async () => autoTitles(await loadSettings(dataDir), env),
    }),
    attachments,
    model,
    tools,
    pluginTools,
    mcpSessions: new McpSessions(() => createToolServer(pluginTools, opts.version)),
    plugins,
    jobs,
    mcp,
    provider,
    publicSettings: async () => publicSettings(await loadSettings(dataDir), env),
    saveSettings: async (patch, remove) =>
      publicSettings(await saveSettings(dataDir, patch, remove), env),
    client,
    models: async () => listModels(await client()),
    modelStatus: () => modelStatus(dataDir, env),
    async testProvider(values) {
      const cfg = await provider();
      return await checkProvider({
        apiKey: values.apiKey === undefined ? cfg.apiKey : values.apiKey,
        baseURL: values.baseURL === undefined ? cfg.baseURL : values.baseURL,
      });
    },
    corsOrigins: async () => corsOrigins(await loadSettings(dataDir), env),
    upstreams: new UpstreamFeatures(),
    reportError: opts.onError ?? ((e) => console.error(e)),
  };
}

/** MCP limits from the environment: a call has the action time limit, as a plugin's does. */
function mcpLimits(env: Env): Partial<McpLimits> {
  const { timeoutMs } = actionLimits(env);
  return timeoutMs ? { callTimeoutMs: timeoutMs } : {};
}
