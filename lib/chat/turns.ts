/**
 * Turns: the server owns each generation. Starting a turn writes the user message and an
 * empty assistant message, then streams the reply from the upstream into it — persisted
 * every few hundred milliseconds and published to live subscribers — until it completes,
 * is stopped, or fails (keeping the partial answer).
 * @module
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { LlmError, toLlmError } from "../llm/errors.ts";
import type { Message, Store } from "../store/types.ts";
import { type LiveTurn, type LiveTurns, publish } from "./live.ts";
import { buildPrompt, titleFrom } from "./prompt.ts";

/** What a turn needs from the model side, resolved fresh for every turn (settings change). */
export interface ModelAccess {
  /** The model to use when a conversation names none; `null` if none is configured. */
  defaultModel(): Promise<string | null>;
  /** Streams a completion; throws {@linkcode LlmError} (kind "no_key" when unconfigured). */
  stream(
    request: { model: string; messages: ChatCompletionMessageParam[] },
    signal: AbortSignal,
  ): AsyncIterable<ChatCompletionChunk>;
}

/** Dependencies of the turn runner. */
export interface TurnDeps {
  store: Store;
  model: ModelAccess;
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
  /** Stops a running turn; resolves once its final state is persisted. */
  stop(conversationId: string): Promise<boolean>;
  isRunning(conversationId: string): boolean;
  /** The live turns, for subscribers. */
  live: LiveTurns;
  /** Stops every turn and waits until all are persisted (server shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Creates the turn runner.
 *
 * @example
 * ```ts
 * const turns = createTurnRunner({ store, model });
 * await turns.start(conversation.id, { kind: "send", content: "Hi" });
 * ```
 */
export function createTurnRunner(deps: TurnDeps): TurnRunner {
  const live: LiveTurns = new Map();
  const persistEveryMs = deps.persistEveryMs ?? 250;
  const { store } = deps;

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
    // Reserve the slot before any await so two quick requests cannot both start.
    const controller = new AbortController();
    const placeholder = { controller, listeners: new Set() } as unknown as LiveTurn;
    live.set(conversationId, placeholder);
    try {
      const { conversation, userMessage } = await prepare(conversationId, how);
      const model = conversation.model ?? await deps.model.defaultModel();
      const assistantMessage = await store.addMessage({
        conversationId,
        role: "assistant",
        content: "",
        status: "streaming",
        model,
      });
      const turn: LiveTurn = Object.assign(placeholder, {
        conversationId,
        message: assistantMessage,
      });
      const prompt = buildPrompt(conversation, await store.listMessages(conversationId));
      turn.done = run(turn, model, prompt);
      return { userMessage, assistantMessage };
    } catch (e) {
      live.delete(conversationId);
      throw e;
    }
  }

  async function run(turn: LiveTurn, model: string | null, prompt: ChatCompletionMessageParam[]) {
    const message = turn.message;
    publish(turn, { type: "message", message: { ...message } });
    let lastSaved = message.content;
    const save = async () => {
      if (message.content === lastSaved) return;
      lastSaved = message.content;
      await store.updateMessage(message.id, { content: message.content });
    };
    const timer = setInterval(() => save().catch(deps.onError), persistEveryMs);
    let status: "complete" | "stopped" | "error" = "complete";
    let error: LlmError | undefined;
    try {
      if (!model) {
        throw new LlmError(
          "no_key",
          "No model is configured. Choose one in Settings or in this conversation.",
        );
      }
      const chunks = deps.model.stream({ model, messages: prompt }, turn.controller.signal);
      for await (const chunk of chunks) {
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) {
          message.content += text;
          publish(turn, { type: "delta", messageId: message.id, text });
        }
      }
    } catch (e) {
      error = toLlmError(e);
      status = error.kind === "aborted" || turn.controller.signal.aborted ? "stopped" : "error";
    } finally {
      clearInterval(timer);
    }
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
        ...(status === "error" ? { meta: message.meta } : {}),
      });
    } catch (e) {
      deps.onError?.(e);
    }
    live.delete(turn.conversationId);
    publish(turn, { type: "message", message: { ...message } });
    publish(turn, {
      type: "end",
      status,
      ...(status === "error" ? { error: error!.message, errorKind: error!.kind } : {}),
    });
    turn.listeners.clear();
  }

  return {
    live,
    start,
    isRunning: (id) => live.has(id),
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
