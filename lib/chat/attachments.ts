/**
 * Attachments as a service of the server: upload (check, convert, store), give to a message
 * (limits per message), read back, sweep files no record names, and the content parts the
 * model is sent for a message's files.
 * @module
 */
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import type { Attachment, AttachmentWithText } from "../store/attachments.ts";
import type { Message, Store } from "../store/types.ts";
import { MAX_FILES_PER_MESSAGE, MAX_MESSAGE_BYTES } from "./attachment_limits.ts";
import { encodeBase64 } from "../plugins/host/encoding.ts";
import { readBlob, sweepBlobs, writeBlob } from "./attachments_files.ts";
import { AttachmentError, ingestFile } from "./attachments_ingest.ts";

/** A file as it arrives in an upload. */
export interface UploadedFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** How long a file uploaded but never sent is kept (a draft left open overnight survives). */
export const UNSENT_TTL_MS = 24 * 60 * 60 * 1000;

/** The attachment service. */
export interface Attachments {
  /** Checks, converts and stores files; all or nothing. */
  upload(files: UploadedFile[]): Promise<Attachment[]>;
  /** Checks ids and the per-message limits before anything is written. */
  check(ids: readonly string[]): Promise<void>;
  /** Gives files to a message (after {@linkcode Attachments.check}). */
  attach(messageId: string, ids: readonly string[]): Promise<Attachment[]>;
  /** One file's record and bytes, or null for an unknown id. */
  read(id: string): Promise<{ attachment: Attachment; bytes: Uint8Array } | null>;
  /** The parts the model is sent for each message's files, by message id. */
  parts(history: Message[]): Promise<Map<string, ChatCompletionContentPart[]>>;
  /** Deletes files no record names any more (after a conversation or messages went). */
  sweep(): Promise<void>;
  /** Start-up: drops files uploaded long ago and never sent, then sweeps. */
  sweepUnsent(now?: number): Promise<void>;
}

/**
 * @example
 * ```ts
 * const attachments = createAttachments(store, dataDir);
 * const [file] = await attachments.upload([{ name: "a.txt", type: "text/plain", bytes }]);
 * ```
 */
export function createAttachments(store: Store, dataDir: string): Attachments {
  const records = store.attachments;
  // Sweeps run one at a time, and never while an upload is between its file and its record.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };

  async function storeOne(file: UploadedFile): Promise<Attachment> {
    const f = await ingestFile(file.name, file.type, file.bytes);
    return serial(async () => {
      const sha256 = await writeBlob(dataDir, f.bytes);
      return records.add({
        sha256,
        name: f.name,
        type: f.type,
        kind: f.kind,
        size: f.bytes.byteLength,
        text: f.text,
      });
    });
  }

  const sweep = () => serial(async () => void await sweepBlobs(dataDir, await records.hashes()));

  return {
    async upload(files) {
      checkLimits(files.length, files.reduce((n, f) => n + f.bytes.byteLength, 0));
      const out: Attachment[] = [];
      for (const f of files) out.push(await storeOne(f));
      return out;
    },
    async check(ids) {
      const found = await records.get(ids);
      const missing = ids.find((id) => !found.some((a) => a.id === id));
      if (missing) {
        throw new AttachmentError(`No attachment with id ${missing}; upload the file again.`);
      }
      checkLimits(found.length, found.reduce((n, a) => n + a.size, 0));
    },
    attach: (messageId, ids) => records.attach(messageId, ids),
    async read(id) {
      const [a] = await records.get([id]);
      if (!a) return null;
      const { text: _text, ...attachment } = a;
      return { attachment, bytes: await readBlob(dataDir, a.sha256) };
    },
    async parts(history) {
      const ids = history.filter((m) => m.role === "user").map((m) => m.id);
      const byMessage = await records.forMessages(ids);
      const out = new Map<string, ChatCompletionContentPart[]>();
      for (const [id, files] of byMessage) {
        out.set(id, await Promise.all(files.map((f) => partFor(dataDir, f))));
      }
      return out;
    },
    sweep,
    async sweepUnsent(now = Date.now()) {
      await records.dropUnsent(now - UNSENT_TTL_MS);
      await sweep();
    },
  };
}

function checkLimits(count: number, bytes: number): void {
  if (count > MAX_FILES_PER_MESSAGE) {
    throw new AttachmentError(
      `${count} files is too many; a message may carry at most ${MAX_FILES_PER_MESSAGE}.`,
      413,
    );
  }
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new AttachmentError(
      `These files add up to ${(bytes / 1024 / 1024).toFixed(1)} MB; a message may carry at ` +
        `most ${MAX_MESSAGE_BYTES / 1024 / 1024} MB.`,
      413,
    );
  }
}

/** An image as an `image_url` data part; text and PDFs as a text block named after the file. */
async function partFor(dataDir: string, f: AttachmentWithText): Promise<ChatCompletionContentPart> {
  if (f.kind === "image") {
    const bytes = await readBlob(dataDir, f.sha256);
    const url = `data:${f.type};base64,${encodeBase64(bytes)}`;
    return { type: "image_url", image_url: { url } };
  }
  return {
    type: "text",
    text: `<attachment name="${attr(f.name)}" type="${f.type}">\n${f.text ?? ""}\n</attachment>`,
  };
}

function attr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
