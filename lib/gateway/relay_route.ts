/**
 * Endpoints rungpt only relays (`/v1/embeddings`, `/v1/completions`): the body is checked for
 * what rungpt needs (a model, or the default one), then goes to the upstream as it came.
 * @module
 */
import { z } from "zod";
import { errorResponse } from "../chat/api_error.ts";
import { LlmError, toLlmError } from "../llm/errors.ts";
import type { GatewayServices } from "./chat.ts";
import { relayError, relayRaw } from "./raw_relay.ts";

/** A relayed request: any JSON object, with `model` checked when present. */
export const relayRequest = z.looseObject({
  model: z.string().min(1).max(200).optional(),
  stream: z.boolean().nullish(),
});

/**
 * Relays `body` to `path`; without a model, the default model is used when `useDefault`.
 *
 * @example
 * ```ts
 * return await relayEndpoint(app, "/completions", body, req.signal, { useDefault: true });
 * ```
 */
export async function relayEndpoint(
  app: Pick<GatewayServices, "client" | "provider">,
  path: string,
  body: z.infer<typeof relayRequest>,
  signal: AbortSignal,
  opts: { useDefault: boolean },
): Promise<Response> {
  try {
    const model = body.model ?? (opts.useDefault ? (await app.provider()).model : null);
    if (!model) {
      throw new LlmError(
        "bad_request",
        `model: required for ${path}${opts.useDefault ? " (no default model is configured)" : ""}.`,
        { status: 400, param: "model" },
      );
    }
    const client = await app.client();
    try {
      return await relayRaw(client, path, { ...body, model }, signal);
    } catch (e) {
      throw e instanceof LlmError ? e : relayError(client, e, model);
    }
  } catch (e) {
    return errorResponse(toLlmError(e));
  }
}
