/**
 * Turns: the server owns each generation. Starting a turn writes the user message and an
 * empty assistant message, then runs the action loop into it — text and action cards
 * persisted every few hundred milliseconds and published to live subscribers — until it
 * completes, is stopped, or fails (keeping what was produced).
 * @module
 */
import { LlmError } from "../llm/errors.ts";
import type { Conversation, Message, Store } from "../store/types.ts";
import { createToolCatalogue, type ToolCatalogue } from "../tools/catalogue.ts";
import type { ActionCall, ApprovalDecision } from "../tools/call.ts";
import { turnMode } from "./action_prompt.ts";
import type { ActionMeta } from "./action_types.ts";
import {
  eventStream,
  listenersFull,
  type LiveTurn,
  type LiveTurns,
  MAX_LISTENERS,
  publish,
  publishDelta,
} from "./live.ts";
import { type CompleteFn, runActionLoop, type StreamFn } from "./loop.ts";
import { buildPrompt } from "./prompt.ts";
import { fallbackTitle, generateTitle } from "./title.ts";
import type { Attachments } from "./attachments.ts";
import { AttachmentError } from "./attachments_ingest.ts";
import { imageRefusal } from "./attachments_errors.ts";

/** What a turn needs from the model side, resolved fresh for every turn (settings change). */
export interface ModelAccess {
  /** The model to use when a conversation names none; `null` if none is configured. */
  defaultModel(): Promise<string | null>;
  /** Streams a completion; throws {@linkcode LlmError} (kind "no_key" when unconfigured). */
  stream: StreamFn;
  /** Asks for a completion without streaming (upstreams that cannot stream tool calls). */
  complete?: CompleteFn;
  /**
   * Throws an {@linkcode LlmError} when no reply can be asked for at all (nothing to talk
   * to): the turn is then refused before anything is written.
   */
  ready?(): Promise<void>;
}

/** Dependencies of the turn runner. */
export interface TurnDeps {
  store: Store;
  model: ModelAccess;
  /** Files attached to messages; without it a message cannot carry any. */
  attachments?: Attachments;
  /** The tools turns may call; without them turns are plain chat. */
  tools?: ToolCatalogue;
  /** How often a streaming message is written to the store (ms). */
  persistEveryMs?: number;
  /** Reports unexpected failures (the turn itself still ends cleanly). */
  onError?: (error: unknown) => void;
  /**
   * Whether the model titles a chat after its first exchange (the Settings switch, read per
   * turn); absent: never.
   */
  autoTitles?: () => Promise<boolean>;
}

/**
 * How a turn begins. Regenerate and edit keep what they replace: the new reply (or question)
 * is a new version beside the old one (see `Message.versions`). `edit` names the user message
 * it is a new version of; without one, the last.
 */
export type TurnStart =
  | { kind: "send"; content: string; attachments?: string[] }
  | { kind: "regenerate" }
  | { kind: "edit"; content: string; messageId?: string };

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
  /** `kind`: why, for the UI to pick a remedy (e.g. `no_key`: point to Settings). */
  constructor(readonly status: number, message: string, readonly kind?: string) {
    super(message);
  }
}

/** The turn runner's API. */
export interface TurnRunner {
  start(conversationId: string, how: TurnStart): Promise<StartedTurn>;
  /**
   * Throws the {@linkcode TurnError} (409) that {@linkcode TurnRunner.start} would when there
   * is nothing to talk to, so a caller can refuse before it writes anything of its own.
   */
  ready(): Promise<void>;
  /** Stops a running turn (generation and actions); resolves once its state is persisted. */
  stop(conversationId: string): Promise<boolean>;
  /** Answers an action waiting for approval; false when none with that id waits. */
  answerApproval(conversationId: string, callId: string, decision: ApprovalDecision): boolean;
  isRunning(conversationId: string): boolean;
  /**
   * The running turn's reply as it stands (a copy), `null` while the turn is starting, or
   * `undefined` when no turn runs.
   */
  snapshot(conversationId: string): Message | null | undefined;
  /**
   * The turn's events as Server-Sent Events: a snapshot, then each change, until it ends.
   * Throws {@linkcode TurnError} 429 when the turn has its most streams open already.
   */
  subscribe(conversationId: string, signal: AbortSignal): ReadableStream<Uint8Array>;
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
  /** Lets a tool run without asking for the rest of the turn (the user chose "Always allow"). */
  allow(id: string): void;
}

const NO_TOOLS: ToolCatalogue = createToolCatalogue({
  sources: [],
  settings: () =>
    Promise.resolve({
      mode: "tags",
      approvalMode: "auto",
      alwaysAllowed: [],
      maxRounds: 1,
      nativeToolsUnsupported: [],
      streamToolsUnsupported: [],
    }),
  allowAlways: () => Promise.resolve(),
  markNativeUnsupported: () => Promise.resolve(),
});

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
  const catalogue = deps.tools ?? NO_TOOLS;

  async function prepare(conversationId: string, how: TurnStart) {
    const conversation = await store.getConversation(conversationId);
    if (!conversation) throw new TurnError(404, `No conversation with id ${conversationId}.`);
    // Before anything is written: a turn that cannot reach any model changes nothing.
    await whenReady();
    const history = await store.listMessages(conversationId);
    const lastUser = history.findLast((m) => m.role === "user");
    let userMessage: Message | undefined;
    /** The question the reply answers (named, so a version switched meanwhile cannot move it). */
    let replyTo: string | undefined;
    if (how.kind === "send") {
      const files = how.attachments ?? [];
      if (files.length) await checkAttachments(files);
      userMessage = await store.addMessage({ conversationId, role: "user", content: how.content });
      let names = "";
      if (files.length) {
        const attached = await deps.attachments!.attach(userMessage.id, files);
        userMessage = (await store.updateMessage(userMessage.id, {
          meta: { attachments: attached },
        }))!;
        names = attached.map((a) => a.name).join(", ");
      }
      if (history.length === 0 && !conversation.title.trim()) {
        // Files alone: their names say more than "New chat".
        await store.setGeneratedTitle(conversationId, fallbackTitle(how.content || names));
      }
    } else if (how.kind === "regenerate") {
      if (!lastUser) throw new TurnError(409, "There is no user message to answer again.");
      replyTo = lastUser.id;
    } else {
      const target = how.messageId === undefined
        ? lastUser
        : history.find((m) => m.id === how.messageId && m.role === "user");
      if (!target) {
        throw new TurnError(
          how.messageId === undefined ? 409 : 404,
          how.messageId === undefined
            ? "There is no user message to edit."
            : `No message of yours with id ${how.messageId} is shown in this conversation.`,
        );
      }
      userMessage = await store.addMessage({
        conversationId,
        role: "user",
        content: how.content,
        parentId: target.parentId,
      });
    }
    // The first exchange gets a title from the model once its reply is complete.
    const titled = how.kind === "send" && history.length === 0 && !conversation.titleByUser;
    return { conversation, userMessage, replyTo: replyTo ?? userMessage?.id, titled };
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
      const { conversation, userMessage, replyTo, titled } = await prepare(conversationId, how);
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
        parentId: replyTo,
      });
      const history = await store.listMessages(conversationId);
      placeholder.message = assistantMessage;
      started.resolve(
        run(placeholder, assistantMessage, { model, modelError, titled }, conversation, history),
      );
      return { userMessage, assistantMessage };
    } catch (e) {
      live.delete(conversationId);
      started.resolve();
      throw e;
    }
  }

  /** Refuses files that are unknown or too many, before anything is written. */
  async function checkAttachments(ids: string[]) {
    if (!deps.attachments) throw new TurnError(400, "This server takes no attachments.");
    try {
      await deps.attachments.check(ids);
    } catch (e) {
      if (e instanceof AttachmentError) throw new TurnError(e.status, e.message, "attachment");
      throw e;
    }
  }

  /** Refuses the turn, before anything is written, when there is nothing to talk to. */
  async function whenReady() {
    try {
      await deps.model.ready?.();
    } catch (e) {
      if (e instanceof LlmError) throw new TurnError(409, e.message, e.kind);
      throw e;
    }
  }

  async function run(
    turn: LiveTurn,
    message: Message,
    { model, modelError, titled }: { model: string | null; modelError?: unknown; titled: boolean },
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
      const tools = await catalogue.session({
        ask: (call, s) => waitForApproval(turn.conversationId, call, s),
        onError: deps.onError,
        update(call: ActionCall) {
          const calls = meta.actions ??= [];
          const i = calls.findIndex((c) => c.id === call.id);
          if (i === -1) calls.push({ ...call });
          else calls[i] = { ...call };
          metaDirty = true;
          publish(turn, { type: "action", messageId: message.id, call: { ...call } });
        },
      });
      // Start the sandboxes while the model thinks: the first call then finds them warm.
      if (tools.tools.length) catalogue.warm();
      approvals.set(turn.conversationId, { waiting: new Map(), allow: tools.allow });
      const files = await deps.attachments?.parts(history);
      const result = await runActionLoop({
        model,
        messages: (mode) => buildPrompt(conversation, history, mode, files),
        tools: tools.tools,
        mode: turnMode(tools.settings, model),
        maxRounds: tools.settings.maxRounds,
        stream: deps.model.stream,
        complete: deps.model.complete,
        streamTools: !tools.settings.streamToolsUnsupported.includes(model),
        signal,
        onText(text) {
          message.content += text;
          publishDelta(turn, message.id, text);
        },
        // Saved before the turn ends, so the next turn of this conversation goes straight to tags.
        onNativeUnsupported: () => catalogue.markNativeUnsupported(model).catch(deps.onError),
        onStreamToolsUnsupported: () =>
          catalogue.markStreamToolsUnsupported(model).catch(deps.onError),
        dispatch: tools.dispatch,
      });
      if (result.calls.length) meta.rounds = result.rounds;
      error = imageRefusal(result.error, files);
    } catch (e) {
      error = e instanceof LlmError ? e : new LlmError("protocol", String(e));
    } finally {
      clearInterval(timer);
    }
    await finish(turn, message, error, titled && model ? { model, history } : null);
  }

  /** What a first exchange's title is asked from: the turn's model and its history. */
  type TitleSource = { model: string; history: Message[] };

  async function finish(
    turn: LiveTurn,
    message: Message,
    error: LlmError | undefined,
    title: TitleSource | null,
  ) {
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
    publish(turn, { type: "message", message: { ...message } });
    // Before `end`: the page refreshes its chat list when the turn ends, and finds the title.
    if (status === "complete" && title) await retitle(turn, message, title);
    live.delete(turn.conversationId);
    approvals.delete(turn.conversationId);
    publish(turn, {
      type: "end",
      status,
      ...(status === "error" ? { error: error!.message, errorKind: error!.kind } : {}),
    });
    turn.listeners.clear();
  }

  /** Asks the model to title the first exchange; any failure keeps the first-line title. */
  async function retitle(turn: LiveTurn, reply: Message, { model, history }: TitleSource) {
    const { complete } = deps.model;
    const user = history.find((m) => m.role === "user");
    if (!complete || !user || !reply.content.trim()) return;
    try {
      if (!(await deps.autoTitles?.())) return;
      const title = await generateTitle({
        complete,
        model,
        user: user.content,
        assistant: reply.content,
        signal: turn.controller.signal,
      });
      if (title) await store.setGeneratedTitle(turn.conversationId, title);
    } catch (e) {
      deps.onError?.(e);
    }
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
    start,
    ready: whenReady,
    isRunning: (id) => live.has(id),
    snapshot(id) {
      const turn = live.get(id);
      if (!turn) return undefined;
      return turn.message && { ...turn.message };
    },
    subscribe(id, signal) {
      if (listenersFull(live, id)) {
        throw new TurnError(
          429,
          `This conversation already has ${MAX_LISTENERS} open event streams; close some of its tabs.`,
          "too_many_streams",
        );
      }
      return eventStream(live, id, signal);
    },
    answerApproval(conversationId, callId, decision) {
      const state = approvals.get(conversationId);
      const call = state?.waiting.get(callId);
      if (!state || !call) return false;
      call.answer(decision);
      if (decision === "always") {
        // It holds for the rest of the turn: later calls of the action do not ask, and those
        // waiting beside this one go ahead.
        state.allow(call.actionId);
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
