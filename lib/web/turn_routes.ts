/**
 * Starting a turn from a route: the shared answer and error mapping of the messages,
 * regenerate and edit endpoints, and a new conversation's first message.
 * @module
 */
import { TurnError, type TurnStart } from "../chat/turns.ts";
import type { NewConversation } from "../store/types.ts";
import { HttpError, json } from "./http.ts";
import type { AppServices } from "./services.ts";

/** Starts a turn and answers 202 with the messages it created. */
export async function startTurn(
  app: AppServices,
  conversationId: string,
  how: TurnStart,
): Promise<Response> {
  try {
    return json(await app.turns.start(conversationId, how), 202);
  } catch (e) {
    throw httpError(e);
  }
}

/**
 * A new chat's first message: creates the conversation and starts its turn as one step, and
 * answers 202 `{ conversation, userMessage, assistantMessage }`. When no turn can start (no
 * provider) nothing is created, so a failed first send leaves no empty conversation behind.
 */
export async function startConversation(
  app: AppServices,
  fields: NewConversation,
  content: string,
  attachments?: string[],
): Promise<Response> {
  const { store, turns } = app;
  try {
    await turns.ready();
    const created = await store.createConversation(fields);
    let started;
    try {
      started = await turns.start(created.id, { kind: "send", content, attachments });
    } catch (e) {
      await store.deleteConversation(created.id);
      throw e;
    }
    // The first message has titled it.
    const conversation = await store.getConversation(created.id) ?? created;
    return json({ conversation, ...started }, 202);
  } catch (e) {
    throw httpError(e);
  }
}

function httpError(e: unknown): unknown {
  return e instanceof TurnError ? new HttpError(e.status, e.message, e.kind) : e;
}
