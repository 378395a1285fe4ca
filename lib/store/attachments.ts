/**
 * Attachment records in SQLite: which file (by SHA-256) a message carries, under which name.
 * The bytes themselves live on disk (lib/chat/attachments_files.ts); a row belongs to one
 * message, or to none while it waits in a composer.
 * @module
 */
import type { StatementSync } from "node:sqlite";
import { StoreError } from "./errors.ts";
import type { SearchHit } from "./types.ts";

/** How a file reaches the model: an image part, or text (a text file's or a PDF's). */
export type AttachmentKind = "image" | "text" | "pdf";

/** One attached file, as the UI and exports see it. */
export interface Attachment {
  id: string;
  /** SHA-256 of the stored bytes, hex. */
  sha256: string;
  name: string;
  /** Media type of the stored bytes, e.g. `image/png`, `application/pdf`, `text/plain`. */
  type: string;
  kind: AttachmentKind;
  /** Bytes stored. */
  size: number;
  messageId: string | null;
  createdAt: number;
}

/** An attachment with the text the model is sent for it (text files and PDFs). */
export interface AttachmentWithText extends Attachment {
  text: string | null;
}

/** Input for {@linkcode AttachmentRecords.add}. */
export type NewAttachment = Omit<AttachmentWithText, "id" | "messageId" | "createdAt">;

/** The attachment part of the store. */
export interface AttachmentRecords {
  add(input: NewAttachment): Promise<Attachment>;
  /** The attachments with these ids, in the order asked; unknown ids are left out. */
  get(ids: readonly string[]): Promise<AttachmentWithText[]>;
  /**
   * Gives the attachments to a message, in this order. One already given to another message
   * is copied (same file, new row), so a draft kept after a failed send can be sent again.
   * @throws {StoreError} `not_found` naming an unknown id.
   */
  attach(messageId: string, ids: readonly string[]): Promise<Attachment[]>;
  /** The attachments of these messages, by message id, each list in attach order. */
  forMessages(messageIds: readonly string[]): Promise<Map<string, AttachmentWithText[]>>;
  /** Every hash some row still names (the files to keep). */
  hashes(): Promise<Set<string>>;
  /** Deletes rows given to no message that were added before `before` (ms); returns how many. */
  dropUnsent(before: number): Promise<number>;
}

const COLS = "id, hash AS sha256, name, type, kind, size, message_id AS messageId, " +
  "created_at AS createdAt, text";

type Row = AttachmentWithText;

function toAttachment(r: Row): AttachmentWithText {
  return {
    id: r.id,
    sha256: r.sha256,
    name: r.name,
    type: r.type,
    kind: r.kind,
    size: r.size,
    messageId: r.messageId,
    createdAt: r.createdAt,
    text: r.text,
  };
}

/** Drops the text: what a message's `meta` and the UI carry. */
export function attachmentSummary(a: Attachment): Attachment {
  const { text: _text, ...rest } = a as AttachmentWithText;
  return rest;
}

/** The SQLite attachment records, on the store's statement cache, transaction and clock. */
export function sqliteAttachments(
  stmt: (sql: string) => StatementSync,
  tx: <T>(fn: () => T) => T,
  now: () => number,
): AttachmentRecords {
  const byId = (id: string): Row | undefined =>
    stmt(`SELECT ${COLS} FROM attachments WHERE id = ?`).get(id) as unknown as Row | undefined;
  return {
    // deno-lint-ignore require-await
    async add(input) {
      const row = stmt(
        `INSERT INTO attachments (id, hash, name, type, kind, size, text, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLS}`,
      ).get(
        crypto.randomUUID(),
        input.sha256,
        input.name,
        input.type,
        input.kind,
        input.size,
        input.text,
        now(),
      ) as unknown as Row;
      return attachmentSummary(toAttachment(row));
    },
    // deno-lint-ignore require-await
    async get(ids) {
      return ids.map(byId).filter((r): r is Row => r !== undefined).map(toAttachment);
    },
    // deno-lint-ignore require-await
    async attach(messageId, ids) {
      return tx(() =>
        ids.map((id, position) => {
          const row = byId(id);
          if (!row) throw new StoreError("not_found", `no attachment with id ${id}`);
          const out = row.messageId === null
            ? stmt(
              `UPDATE attachments SET message_id = ?, position = ? WHERE id = ? RETURNING ${COLS}`,
            ).get(messageId, position, id)
            : stmt(
              `INSERT INTO attachments (id, hash, name, type, kind, size, text, message_id,
                 position, created_at)
               SELECT ?, hash, name, type, kind, size, text, ?, ?, ? FROM attachments WHERE id = ?
               RETURNING ${COLS}`,
            ).get(crypto.randomUUID(), messageId, position, now(), id);
          return attachmentSummary(toAttachment(out as unknown as Row));
        })
      );
    },
    // deno-lint-ignore require-await
    async forMessages(messageIds) {
      const out = new Map<string, AttachmentWithText[]>();
      const q = stmt(`SELECT ${COLS} FROM attachments WHERE message_id = ? ORDER BY position`);
      for (const id of messageIds) {
        const rows = q.all(id) as unknown as Row[];
        if (rows.length) out.set(id, rows.map(toAttachment));
      }
      return out;
    },
    // deno-lint-ignore require-await
    async hashes() {
      const rows = stmt("SELECT DISTINCT hash FROM attachments").all() as { hash: string }[];
      return new Set(rows.map((r) => r.hash));
    },
    // deno-lint-ignore require-await
    async dropUnsent(before) {
      return Number(
        stmt("DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?").run(before)
          .changes,
      );
    },
  };
}

/**
 * Search hits on attachment names, shaped like the store's other hits: the message that
 * carries the file, the name as the snippet.
 */
export function attachmentNameHits(
  stmt: (sql: string) => StatementSync,
  match: string,
  limit: number,
): (SearchHit & { score: number })[] {
  return stmt(
    `SELECT m.conversation_id AS conversationId, c.title AS conversationTitle,
            m.id AS messageId, m.role AS role, m.created_at AS createdAt,
            highlight(attachments_fts, 0, char(1), char(2)) AS snippet,
            attachments_fts.rank AS score
     FROM attachments_fts
     JOIN attachments a ON a.pk = attachments_fts.rowid
     JOIN messages m ON m.id = a.message_id AND m.on_path = 1
     JOIN conversations c ON c.id = m.conversation_id
     WHERE attachments_fts MATCH ? ORDER BY attachments_fts.rank LIMIT ?`,
  ).all(match, limit) as unknown as (SearchHit & { score: number })[];
}
