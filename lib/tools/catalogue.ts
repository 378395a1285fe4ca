/**
 * The tool catalogue: the one port through which every tool call is listed, described,
 * approved and run, whatever its source (wasm plugins today, MCP servers next). The chat UI's
 * turns and `/v1` both open a {@linkcode ToolSession} per turn and hand it to the action loop.
 * @module
 */
import type { ActionSettings } from "../store/settings.ts";
import type { ActionCall, ApprovalDecision } from "./call.ts";
import type { DispatchDeps } from "./dispatch.ts";
import { type Tool, toolId } from "./tool.ts";

/** A source of tools. */
export interface ToolSource {
  /** Its tools that are enabled now. */
  tools(): Promise<Tool[]>;
  /** Runs one of its tools with its JSON arguments; throws with a clear message on failure. */
  run(tool: Tool, input: string, opts: { signal?: AbortSignal }): Promise<string>;
  /** Starts whatever the first call would wait for (optional). */
  warm?(): void;
}

/** What the catalogue needs besides its sources. */
export interface CatalogueOptions {
  sources: readonly ToolSource[];
  /** The current action settings (approval mode, "Always allow", rounds). */
  settings(): Promise<ActionSettings>;
  /** Remembers "Always allow" for a tool id. */
  allowAlways(id: string): Promise<void>;
  /** Remembers that the upstream rejected native tools for a model. */
  markNativeUnsupported(model: string): Promise<void>;
  /** Remembers that the upstream cannot stream tool calls for a model. */
  markStreamToolsUnsupported?(model: string): Promise<void>;
}

/** How one turn's calls are approved and reported. */
export interface SessionOptions {
  /** Asks the user; without it a tool that needs approval is denied unless allowed in advance. */
  ask?: (call: ActionCall, signal: AbortSignal) => Promise<ApprovalDecision>;
  /** Called whenever a call's state changes. */
  update?: (call: ActionCall) => void;
  /** Reports failures that do not end a call (saving "Always allow"). */
  onError?: (error: unknown) => void;
}

/** The tools of one turn, with everything the action loop needs to run their calls. */
export interface ToolSession {
  tools: readonly Tool[];
  settings: ActionSettings;
  /** For the loop: run, approve and report a call. */
  dispatch: Omit<DispatchDeps, "tools">;
  /** Lets `id` run without asking for the rest of the turn (the user chose "Always allow"). */
  allow(id: string): void;
}

/** The catalogue's API. */
export interface ToolCatalogue {
  /** Every enabled tool of every source, sorted by id; an id taken twice keeps the first source's. */
  list(): Promise<Tool[]>;
  /** The current action settings. */
  settings(): Promise<ActionSettings>;
  /** Opens a turn's session: its tools and settings, read once, and how its calls run. */
  session(opts?: SessionOptions): Promise<ToolSession>;
  /** Remembers "Always allow" for a tool id. */
  allowAlways(id: string): Promise<void>;
  /** Remembers that the upstream rejected native tools for a model. */
  markNativeUnsupported(model: string): Promise<void>;
  /** Remembers that the upstream cannot stream tool calls for a model. */
  markStreamToolsUnsupported(model: string): Promise<void>;
  /** Starts every source's warm-up. */
  warm(): void;
}

/**
 * Creates the catalogue over `sources`.
 *
 * @example
 * ```ts
 * const tools = createToolCatalogue({ sources: [pluginSource(plugins)], settings, allowAlways, markNativeUnsupported });
 * const session = await tools.session({ ask, update });
 * ```
 */
export function createToolCatalogue(opts: CatalogueOptions): ToolCatalogue {
  const owners = new WeakMap<Tool, ToolSource>();

  async function list(): Promise<Tool[]> {
    const lists = await Promise.all(opts.sources.map((s) => s.tools()));
    const seen = new Set<string>();
    const out: Tool[] = [];
    lists.forEach((tools, i) => {
      for (const tool of tools) {
        const id = toolId(tool);
        if (seen.has(id)) continue;
        seen.add(id);
        owners.set(tool, opts.sources[i]);
        out.push(tool);
      }
    });
    return out.sort((a, b) => toolId(a).localeCompare(toolId(b)));
  }

  async function session(s: SessionOptions = {}): Promise<ToolSession> {
    const [tools, settings] = await Promise.all([list(), opts.settings()]);
    const allowed = new Set(settings.alwaysAllowed);
    const byId = new Map(tools.map((t) => [toolId(t), t]));
    return {
      tools,
      settings,
      allow: (id) => allowed.add(id),
      dispatch: {
        run(id, input, signal) {
          const tool = byId.get(id);
          const source = tool && owners.get(tool);
          if (!tool || !source) return Promise.reject(new Error(`no tool "${id}" in this turn`));
          return source.run(tool, input, { signal });
        },
        policy: { askAlways: settings.approvalMode === "ask", alwaysAllowed: allowed },
        ask: s.ask,
        allowAlways: s.ask ? opts.allowAlways : undefined,
        onError: s.onError,
        update: s.update ?? (() => {}),
      },
    };
  }

  return {
    list,
    settings: opts.settings,
    session,
    allowAlways: opts.allowAlways,
    markNativeUnsupported: opts.markNativeUnsupported,
    markStreamToolsUnsupported: (model) =>
      opts.markStreamToolsUnsupported?.(model) ?? Promise.resolve(),
    warm: () => opts.sources.forEach((s) => s.warm?.()),
  };
}
