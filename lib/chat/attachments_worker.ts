/**
 * The worker that converts one image or PDF (lib/chat/attachments_convert.ts) and answers
 * once; lib/chat/attachments_ingest.ts starts it and ends it at the time limit.
 * @module
 */
/// <reference lib="deno.worker" />
import { AttachmentError, type Converted, convertImage, pdfText } from "./attachments_convert.ts";

/** What the worker is asked. */
export type ConvertJob =
  | { job: "image"; label: string; format: string; bytes: Uint8Array }
  | { job: "pdf"; label: string; bytes: Uint8Array };

/** What it answers. */
export type ConvertReply =
  | { ok: true; converted: Converted }
  | { ok: false; message: string; status: number };

self.onmessage = async (e: MessageEvent<ConvertJob>) => {
  const job = e.data;
  try {
    const converted = job.job === "image"
      ? await convertImage(job.label, job.format, job.bytes)
      : await pdfText(job.label, job.bytes);
    self.postMessage({ ok: true, converted } satisfies ConvertReply);
  } catch (err) {
    const reply: ConvertReply = err instanceof AttachmentError
      ? { ok: false, message: err.message, status: err.status }
      : { ok: false, message: `${job.label} could not be read: ${err}`, status: 400 };
    self.postMessage(reply);
  }
};
