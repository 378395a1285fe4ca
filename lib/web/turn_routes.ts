/**
 * Starting a turn from a route: the shared answer and error mapping of the messages,
 * regenerate and edit endpoints.
 * @module
 */
import { TurnError, type TurnStart } from "../chat/turns.ts";
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
    if (e instanceof TurnError) throw new HttpError(e.status, e.message);
    throw e;
  }
}
