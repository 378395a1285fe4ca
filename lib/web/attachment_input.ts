/**
 * The part of a message request that names its files: `attachments`, ids from
 * `POST /api/attachments`. A message needs text, files, or both.
 * @module
 */
import { z } from "zod";
import { MAX_FILES_PER_MESSAGE } from "../chat/attachment_limits.ts";

/** Attachment ids as a message request carries them. */
export const attachmentIds = z.array(z.string().uuid("must be an attachment id"))
  .max(MAX_FILES_PER_MESSAGE, `at most ${MAX_FILES_PER_MESSAGE} files per message`)
  .optional();

/**
 * Adds `attachments` to a message schema, and asks for text or files when there is a message
 * (`content` given).
 *
 * @example
 * ```ts
 * const body = messageWithFiles(z.object({ content: z.string() }));
 * ```
 */
export function messageWithFiles<
  S extends z.ZodObject<{ content: z.ZodType<string | undefined> }>,
>(schema: S) {
  return schema.extend({ attachments: attachmentIds }).refine(
    (b) => b.content === undefined || b.content.length > 0 || (b.attachments?.length ?? 0) > 0,
    { message: "must not be empty (write a message or attach a file)", path: ["content"] },
  );
}
