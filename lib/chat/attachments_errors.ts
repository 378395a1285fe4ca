/**
 * A model that reads no images answers a request with image parts with a 400 about them;
 * that error is made to say so, and what to do, with its own kind, so the UI puts the message
 * and its files back in the composer.
 * @module
 */
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { LlmError } from "../llm/errors.ts";

/**
 * The error as the user should read it: `images_unsupported` when it is a 400 about images
 * and the request carried some; otherwise unchanged.
 *
 * @example
 * ```ts
 * imageRefusal(new LlmError("bad_request", "… image input is not supported"), files);
 * // => LlmError { kind: "images_unsupported", … }
 * ```
 */
export function imageRefusal(
  error: LlmError | undefined,
  files: Map<string, ChatCompletionContentPart[]> | undefined,
): LlmError | undefined {
  if (error?.kind !== "bad_request" || !/image|vision|multimodal/i.test(error.message)) {
    return error;
  }
  const hasImage = [...(files?.values() ?? [])].some((parts) =>
    parts.some((p) => p.type === "image_url")
  );
  if (!hasImage) return error;
  return new LlmError(
    "images_unsupported",
    `This model does not accept images. ${error.message} Pick a model that reads images, or ` +
      `remove the images and send again.`,
    { status: error.status, code: error.code, param: error.param },
  );
}
