/**
 * Loads the conversation a route's `:id` names, or answers 404.
 * @module
 */
import type { Conversation } from "../store/types.ts";
import { HttpError } from "./http.ts";
import type { AppServices } from "./services.ts";

/** The conversation with this id; throws a 404 {@linkcode HttpError} if there is none. */
export async function requireConversation(app: AppServices, id: string): Promise<Conversation> {
  const conversation = await app.store.getConversation(id);
  if (!conversation) throw new HttpError(404, `No conversation with id ${id}.`);
  return conversation;
}
