/**
 * The composer's files: checks against the limits before anything is sent (the server checks
 * again), and the upload. Loaded on first use (a dynamic import), so a chat page that never
 * attaches anything does not download it.
 * @module
 */
import type { Attachment } from "../store/attachments.ts";
import {
  MAX_FILE_BYTES,
  MAX_FILES_PER_MESSAGE,
  MAX_MESSAGE_BYTES,
} from "../chat/attachment_limits.ts";
import { formatSize } from "../chat/attachment_meta.ts";
import { ApiError } from "./api.ts";

/**
 * Which of `files` may join a draft already holding `held` files of `heldBytes` bytes, and a
 * message for each one left out.
 *
 * @example
 * ```ts
 * const { accepted, refused } = screenFiles([file], 0, 0);
 * ```
 */
export function screenFiles(
  files: readonly File[],
  held: number,
  heldBytes: number,
): { accepted: File[]; refused: string[] } {
  const accepted: File[] = [];
  const refused: string[] = [];
  let count = held;
  let bytes = heldBytes;
  for (const f of files) {
    if (f.size > MAX_FILE_BYTES) {
      refused.push(
        `"${f.name}" is ${formatSize(f.size)}; files may be at most ${formatSize(MAX_FILE_BYTES)}.`,
      );
    } else if (count >= MAX_FILES_PER_MESSAGE) {
      refused.push(
        `"${f.name}" was left out: a message carries at most ${MAX_FILES_PER_MESSAGE} files.`,
      );
    } else if (bytes + f.size > MAX_MESSAGE_BYTES) {
      refused.push(
        `"${f.name}" was left out: a message's files may add up to ${
          formatSize(MAX_MESSAGE_BYTES)
        }.`,
      );
    } else {
      accepted.push(f);
      count++;
      bytes += f.size;
    }
  }
  return { accepted, refused };
}

/** Uploads one file; rejects with the server's message (which names the file). */
export async function uploadFile(file: File): Promise<Attachment> {
  const form = new FormData();
  form.append("file", file, file.name);
  let res: Response;
  try {
    res = await fetch("/api/attachments", {
      method: "POST",
      body: form,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("Cannot reach the rungpt server. Is it still running?", 0);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const message = typeof data?.error === "string"
      ? data.error
      : `"${file.name}" could not be uploaded (${res.status}).`;
    throw new ApiError(message, res.status, data?.kind ?? null);
  }
  return data.attachments[0];
}
