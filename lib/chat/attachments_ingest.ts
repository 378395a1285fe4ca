/**
 * Turning an uploaded file into what the model is sent: its kind decided by its bytes (not its
 * name), images re-encoded (scaled down to {@linkcode MAX_IMAGE_SIDE}; re-encoding drops EXIF
 * and every other metadata block), PDFs and text files as text. A file that is none of these,
 * or breaks a limit, is refused with an {@linkcode AttachmentError} naming it.
 * @module
 */
import { imageSize } from "image-size";
import type { AttachmentKind } from "../store/attachments.ts";
import { CONVERT_TIME_LIMIT_MS, MAX_FILE_BYTES } from "./attachment_limits.ts";
import { AttachmentError, checkTextLength, type Converted } from "./attachments_convert.ts";
import type { ConvertJob, ConvertReply } from "./attachments_worker.ts";

export { AttachmentError };

/** A file ready to store: the bytes kept and, for text and PDFs, the text sent. */
export interface IngestedFile {
  name: string;
  type: string;
  kind: AttachmentKind;
  bytes: Uint8Array;
  text: string | null;
}

/**
 * Checks and converts one file.
 *
 * @example
 * ```ts
 * const f = await ingestFile("notes.md", "text/markdown", bytes); // { kind: "text", ... }
 * ```
 */
export async function ingestFile(
  name: string,
  declaredType: string,
  bytes: Uint8Array,
  timeLimitMs = CONVERT_TIME_LIMIT_MS,
): Promise<IngestedFile> {
  const label = `"${name}"`;
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new AttachmentError(
      `${label} is ${mb(bytes.byteLength)}; files may be at most ${mb(MAX_FILE_BYTES)}.`,
      413,
    );
  }
  if (isPdf(bytes)) return { name, ...await convert({ job: "pdf", label, bytes }, timeLimitMs) };
  const image = imageType(bytes);
  if (image) {
    return { name, ...await convert({ job: "image", label, format: image, bytes }, timeLimitMs) };
  }
  const text = utf8Text(bytes);
  if (text !== null) {
    checkTextLength(label, text);
    return { name, type: "text/plain", kind: "text", bytes, text };
  }
  const what = declaredType && declaredType !== "application/octet-stream"
    ? declaredType
    : "binary data";
  throw new AttachmentError(
    `${label} (${what}) cannot be attached: rungpt takes PNG and JPEG images, PDFs and ` +
      `text or code files.`,
    415,
  );
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function isPdf(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-";
}

/** The image format by its header, or null when it is not an image image-size knows. */
function imageType(bytes: Uint8Array): string | null {
  try {
    return imageSize(bytes).type ?? null;
  } catch {
    return null;
  }
}

/** The text of a UTF-8 file without NUL bytes, or null when it is not text. */
function utf8Text(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Runs a conversion in a worker of its own, ended when it answers or at the time limit: pdf.js
 * and the image decoder work on untrusted bytes, and the server's thread stays free meanwhile.
 */
async function convert(job: ConvertJob, timeLimitMs: number): Promise<Converted> {
  const worker = new Worker(new URL("./attachments_worker.ts", import.meta.url), {
    type: "module",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const reply = await new Promise<ConvertReply>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<ConvertReply>) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new AttachmentError(`${job.label} could not be read: ${e.message}`));
      };
      timer = setTimeout(() =>
        reject(
          new AttachmentError(
            `${job.label} took more than ${timeLimitMs / 1000} s to read; rungpt gave up on it.`,
            422,
          ),
        ), timeLimitMs);
      worker.postMessage(job);
    });
    if (!reply.ok) throw new AttachmentError(reply.message, reply.status);
    return reply.converted;
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}
