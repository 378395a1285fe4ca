/**
 * Turns: the server owns each generation. Starting a turn writes the user message and an
 * empty assistant message, then runs the action loop into it — text and action cards
 * persisted every few hundred milliseconds and published to live subscribers — until it
 * completes, is stopped, or fails (keeping what was produced).
 * @module
 */
import { LlmError } from "../llm/errors.ts";
import type { EnabledAction } from "../plugins/manager.ts";
import type { ActionSettings } from "../store/settings.ts";
import type { Conversation, Message, Store } from "../store/types.ts";
import { turnMode } from "./action_prompt.ts";
import type { ActionCall, ActionMeta, ApprovalDecision } from "./action_types.ts";
import { type LiveTurn, type LiveTurns, publish, publishDelta } from "./live.ts";
import { runActionLoop, type StreamFn } from "./loop.ts";
import { buildPrompt, titleFrom } from "./prompt.ts";

/** What a turn needs from the model side, resolved fresh for every turn (settings change). */
export interface ModelAccess {
  /** The model to use when a conversation names none; `null` if none is configured. */
  defaultModel(): Promise<string | null>;
  /** Streams a completion; throws {@linkcode LlmError} (kind "no_key" when unconfigured). */
  stream: StreamFn;
}

/** What a turn needs from the plugin side. */
export interface ActionAccess {
  /** The enabled actions, read at the start of each turn. */
  actions(): Promise<EnabledAction[]>;
  /** Runs an action in its sandbox. */
  call(
    plugin: string,
    action: string,
    input: string,
    opts: { signal?: AbortSignal },
  ): Promise<string>;
  /** The current action settings. */
  settings(): Promise<ActionSettings>;
  /** Remembers "Always allow" for an action id. */
  allowAlways(actionId: string): Promise<void>;
  /** Remembers that the upstream rejected native tools for a model. */
  markNativeUnsupported(model: string): Promise<void>;
  /** Starts loading the plugins in the background (optional). */
  warm?(): void;
}

/** Dependencies of the turn runner. */
export interface TurnDeps {
  store: Store;
  model: ModelAccess;
  /** Plugins; without them turns are plain chat. */
  actions?: ActionAccess;
  /** How often a streaming message is written to the store (ms). */
  persistEveryMs?: number;
  /** Reports unexpected failures (the turn itself still ends cleanly). */
  onError?: (error: unknown) => void;
}

/** How a turn begins. */
export type TurnStart =
  | { kind: "send"; content: string }
  | { kind: "regenerate" }
  | { kind: "edit"; content: string };

/** The messages a started turn created. */
export interface StartedTurn {
  userMessage?: Message;
  assistantMessage: Message;
}

/**
 * The most turns that run at once, across conversations: each holds an upstream request, its
 * reply and its subscribers, and runs on after the request that started it. Well above what one
 * person does (the relay benchmark runs 128 at once).
 */
export const MAX_RUNNING_TURNS = 256;

/** Thrown when a turn cannot start; `status` is the HTTP status to answer with. */
export class TurnError extends Error {
  override name = "TurnError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The turn runner's API. */
export interface TurnRunner {
  start(conversationId: string, how: TurnStart): Promise<StartedTurn>;
  /** Stops a running turn (generation and actions); resolves once its state is persisted. */
  stop(conversationId: string): Promise<boolean>;
  /** Answers an action waiting for approval; false when none with that id waits. */
  answerApproval(conversationId: string, callId: string, decision: ApprovalDecision): boolean;
  isRunning(conversationId: string): boolean;
  /** The live turns, for subscribers. */
  live: LiveTurns;
  /** Stops every turn and waits until all are persisted (server shutdown). */
  shutdown(): Promise<void>;
}

/** A call waiting for the user's answer. */
interface WaitingCall {
  /** The action it calls (`plugin.action`). */
  actionId: string;
  answer(decision: ApprovalDecision): void;
}

/** The approvals of one running turn. */
interface TurnApprovals {
  /** Calls waiting for an answer, by call id. */
  waiting: Map<string, WaitingCall>;
  /**
   * Action ids that run without asking: those allowed in advance, and those the user picked
   * "Always allow" for during this turn (even if saving that choice failed).
   */
  allowed: Set<string>;
}

const NO_ACTIONS: ActionAccess = {
  actions: () => Promise.resolve([]),
  call: () => Promise.reject(new Error("no plugins")),
  settings: () =>
    Promise.resolve({
      mode: "tags",
      approvalMode: "auto",
      alwaysAllowed: [],
      maxRounds: 1,
      nativeToolsUnsupported: [],
    }),
  allowAlways: () => Promise.resolve(),
  markNativeUnsupported: () => Promise.resolve(),
};

/**
 * Creates the turn runner.
 *
 * @example
 * ```ts
 * const turns = createTurnRunner({ store, model, actions });
 * await turns.start(conversation.id, { kind: "send", content: "Hi" });
 * ```
 */
export function createTurnRunner(deps: TurnDeps): TurnRunner {
  const live: LiveTurns = new Map();
  const approvals = new Map<string, TurnApprovals>();
  const persistEveryMs = deps.persistEveryMs ?? 250;
  const { store } = deps;
  const plugins = deps.actions ?? NO_ACTIONS;

  async function prepare(conversationId: string, how: TurnStart) {
    const conversation = await store.getConversation(conversationId);
    if (!conversation) throw new TurnError(404, `No conversation with id ${conversationId}.`);
    const history = await store.listMessages(conversationId);
    const lastUser = history.findLast((m) => m.role === "user");
    let userMessage: Message | undefined;
    if (how.kind === "send") {
      userMessage = await store.addMessage({ conversationId, role: "user", content: how.content });
      if (history.length === 0 && !conversation.title.trim()) {
        await store.updateConversation(conversationId, { title: titleFrom(how.content) });
      }
    } else {
      if (!lastUser) throw new TurnError(409, "There is no user message to answer again.");
      await store.deleteMessagesFrom(conversationId, lastUser.seq + 1);
      if (how.kind === "edit") {
        userMessage = (await store.updateMessage(lastUser.id, { content: how.content }))!;
      }
    }
    return { conversation, userMessage };
  }

  async function start(conversationId: string, how: TurnStart): Promise<StartedTurn> {
    if (live.has(conversationId)) {
      throw new TurnError(409, "A reply is already being generated in this conversation.");
    }
    if (live.size >= MAX_RUNNING_TURNS) {
      throw new TurnError(
        429,
        `${MAX_RUNNING_TURNS} replies are being generated already; stop one or wait for one to finish.`,
      );
    }
    // Reserve the slot before any await so two quick requests cannot both start. Until the
    // assistant message exists the turn has none: Stop and shutdown wait on `done`, and
    // subscribers get no snapshot (the turn's first event brings the message).
    const controller = new AbortController();
    const started = Promise.withResolvers<void>();
    const placeholder: LiveTurn = {
      conversationId,
      message: null,
      controller,
      listeners: new Set(),
      done: started.promise,
    };
    live.set(conversationId, placeholder);
    try {
      const { conversation, userMessage } = await prepare(conversationId, how);
      // The messages are changed by now: a default model that cannot be read (a broken
      // settings file) fails the reply, with its message, rather than the request.
      let model = conversation.model;
      let modelError: unknown;
      if (model === null) {
        try {
          model = await deps.model.defaultModel();
        } catch (e) {
          modelError = e;
        }
      }
      const assistantMessage = await store.addMessage({
        conversationId,
        role: "assistant",
        content: "",
        status: "streaming",
        model,
      });
      const history = await store.listMessages(conversationId);
      placeholder.message = assistantMessage;
      started.resolve(
        run(placeholder, assistantMessage, { model, modelError }, conversation, history),
      );
      return { userMessage, assistantMessage };
    } catch (e) {
      live.delete(conversationId);
      started.resolve();
      throw e;
    }
  }

  async function run(
    turn: LiveTurn,
    message: Message,
    { model, modelError }: { model: string | null; modelError?: unknown },
    conversation: Conversation,
    history: Message[],
  ) {
    const meta: ActionMeta = {};
    message.meta = meta as Record<string, unknown>;
    publish(turn, { type: "message", message: { ...message } });
    let savedContent = message.content;
    let metaDirty = false;
    const save = async () => {
      if (message.content === savedContent && !metaDirty) return;
      savedContent = message.content;
      const patch = metaDirty ? { meta: message.meta } : {};
      metaDirty = false;
      await store.updateMessage(message.id, { content: message.content, ...patch });
    };
    const timer = setInterval(() => save().catch(deps.onError), persistEveryMs);
    const signal = turn.controller.signal;
    let error: LlmError | undefined;
    try {
      if (modelError !== undefined) throw modelError;
      if (!model) {
        throw new LlmError(
          "no_key",
          "No model is configured. Choose one in Settings or in this conversation.",
        );
      }
      const [actions, settings] = await Promise.all([plugins.actions(), plugins.settings()]);
      // Start the sandboxes while the model thinks: the first call then finds them warm.
      if (actions.length) plugins.warm?.();
      const allowed = new Set(settings.alwaysAllowed);
      approvals.set(turn.conversationId, { waiting: new Map(), allowed });
      const result = await runActionLoop({
        model,
        messages: (mode) => buildPrompt(conversation, history, mode),
        actions,
        mode: turnMode(settings, model),
        maxRounds: settings.maxRounds,
        stream: deps.model.stream,
        signal,
        onText(text) {
          message.content += text;
          publishDelta(turn, message.id, text);
        },
        // Saved before the turn ends, so the next turn of this conversation goes straight to tags.
        onNativeUnsupported: () => plugins.markNativeUnsupported(model).catch(deps.onError),
        dispatch: {
          run: (plugin, action, input, s) => plugins.call(plugin, action, input, { signal: s }),
          policy: {
            askAlways: settings.approvalMode === "ask",
            alwaysAllowed: allowed,
          },
          ask: (call, s) => waitForApproval(turn.conversationId, call, s),
          allowAlways: (id) => plugins.allowAlways(id),
          onError: deps.onError,
          update(call: ActionCall) {
            const calls = meta.actions ??= [];
            const i = calls.findIndex((c) => c.id === call.id);
            if (i === -1) calls.push({ ...call });
            else calls[i] = { ...call };
            metaDirty = true;
            publish(turn, { type: "action", messageId: message.id, call: { ...call } });
          },
        },
      });
      if (result.calls.length) meta.rounds = result.rounds;
      error = result.error;
    } catch (e) {
      error = e instanceof LlmError ? e : new LlmError("protocol", String(e));
    } finally {
      clearInterval(timer);
    }
    await finish(turn, message, error);
  }

  async function finish(turn: LiveTurn, message: Message, error: LlmError | undefined) {
    const stopped = error?.kind === "aborted" || turn.controller.signal.aborted;
    const status = stopped ? "stopped" : error ? "error" : "complete";
    message.status = status;
    message.error = status === "error" ? error!.message : null;
    // The kind lets a page that loads the failed message later still offer the right fix.
    if (status === "error") message.meta = { ...message.meta, errorKind: error!.kind };
    message.updatedAt = Date.now();
    try {
      await store.updateMessage(message.id, {
        content: message.content,
        status,
        error: message.error,
        meta: message.meta,
      });
    } catch (e) {
      deps.onError?.(e);
    }
    live.delete(turn.conversationId);
    approvals.delete(turn.conversationId);
    publish(turn, { type: "message", message: { ...message } });
    publish(turn, {
      type: "end",
      status,
      ...(status === "error" ? { error: error!.message, errorKind: error!.kind } : {}),
    });
    turn.listeners.clear();
  }

  function waitForApproval(
    conversationId: string,
    call: ActionCall,
    signal: AbortSignal,
  ): Promise<ApprovalDecision> {
    return new Promise((resolve, reject) => {
      const { waiting } = approvals.get(conversationId)!;
      const onAbort = () => {
        waiting.delete(call.id);
        reject(new LlmError("aborted", "The request was cancelled."));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.set(call.id, {
        actionId: call.name,
        answer(decision) {
          signal.removeEventListener("abort", onAbort);
          waiting.delete(call.id);
          resolve(decision);
        },
      });
    });
  }

  return {
    live,
    start,
    isRunning: (id) => live.has(id),
    answerApproval(conversationId, callId, decision) {
      const state = approvals.get(conversationId);
      const call = state?.waiting.get(callId);
      if (!state || !call) return false;
      call.answer(decision);
      if (decision === "always") {
        // It holds for the rest of the turn: later calls of the action do not ask, and those
        // waiting beside this one go ahead.
        state.allowed.add(call.actionId);
        const beside = [...state.waiting.values()].filter((w) => w.actionId === call.actionId);
        for (const other of beside) other.answer("once");
      }
      return true;
    },
    async stop(conversationId) {
      const turn = live.get(conversationId);
      if (!turn) return false;
      turn.controller.abort();
      await turn.done;
      return true;
    },
    async shutdown() {
      const running = [...live.values()];
      for (const turn of running) turn.controller.abort();
      await Promise.all(running.map((t) => t.done));
    },
  };
}
