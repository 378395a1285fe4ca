/**
 * The SQLite {@linkcode Store}, on Deno's built-in `node:sqlite`.
 * @module
 */

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { branchEnd, selectBranch, VERSIONS_COL } from "./branches.ts";
import { attachmentNameHits, sqliteAttachments } from "./attachments.ts";
import { StoreError } from "./errors.ts";
import { toFtsQuery } from "./fts_query.ts";
import { assertNotTooNew, migrate } from "./migrations.ts";
import type {
  Conversation,
  ConversationPatch,
  Message,
  MessagePageOptions,
  MessagePatch,
  MessageStatus,
  NewConversation,
  NewMessage,
  Role,
  SearchHit,
  Store,
} from "./types.ts";

/** Milliseconds a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;
const DEFAULT_SEARCH_LIMIT = 50;
const MAX_SEARCH_LIMIT = 500;
/**
 * Matches ranked per search: the newest this many. Below it ranking is exact; above it a very
 * common word ranks recent messages only, which keeps p99 bounded (docs/benchmarks.md).
 */
const SEARCH_CANDIDATES = 2000;
/** Tokens of context in a search snippet. */
const SNIPPET_TOKENS = 16;

const ROLES: readonly Role[] = ["system", "user", "assistant", "tool"];
const STATUSES: readonly MessageStatus[] = ["complete", "streaming", "stopped", "error"];

const CONVERSATION_COLS =
  "id, title, model, system_prompt AS systemPrompt, pinned, title_by_user AS titleByUser, " +
  "created_at AS createdAt, updated_at AS updatedAt";
const MESSAGE_COLS = "id, conversation_id AS conversationId, parent_id AS parentId, seq, " +
  "role, content, status, error, model, meta, created_at AS createdAt, " +
  `updated_at AS updatedAt, ${VERSIONS_COL}`;

type MessageRow = Omit<Message, "meta" | "versions"> & {
  meta: string | null;
  versions: string | null;
};

/**
 * Opens (creating if needed) a SQLite database at `path` and brings its schema up to date.
 * The parent directory must exist. Pass `":memory:"` for a throwaway store.
 *
 * @throws {SchemaTooNewError} if the file was written by a newer rungpt.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(":memory:");
 * const c = await store.createConversation({ title: "Hello" });
 * await store.addMessage({ conversationId: c.id, role: "user", content: "hi" });
 * await store.close();
 * ```
 */
export function openSqliteStore(path: string | ":memory:"): Promise<Store> {
  try {
    return Promise.resolve(createStore(path));
  } catch (err) {
    return Promise.reject(err);
  }
}

function createStore(path: string): Store {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new Error(
      `cannot open database ${path}: ${err instanceof Error ? err.message : err} ` +
        `(does its directory exist and is it writable?)`,
      { cause: err },
    );
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Refuse a newer file before anything below (journal mode) writes to it.
    assertNotTooNew(db, undefined, path);
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode; only power loss can drop
    // the last commits, which is the usual trade for a desktop app.
    db.exec("PRAGMA synchronous = NORMAL");
    migrate(db, undefined, path);
  } catch (err) {
    db.close();
    throw err;
  }

  const cache = new Map<string, StatementSync>();
  /** Prepares once per SQL text; statements are reused for the life of the store. */
  const stmt = (sql: string): StatementSync => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };

  // A strictly increasing clock, so two writes in the same millisecond still order correctly
  // (e.g. "newest first" after adding a message to an older conversation).
  let lastTime = 0;
  const now = (): number => (lastTime = Math.max(Date.now(), lastTime + 1));

  const tx = <T>(fn: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      db.exec("COMMIT");
      return out;
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
  };

  let closed = false;
  const open = (): void => {
    if (closed) throw new StoreError("invalid_input", "the store is closed");
  };

  const assertInConversation = (id: string, conversationId: string): void => {
    const row = stmt("SELECT conversation_id AS c FROM messages WHERE id = ?").get(id);
    if (row?.c !== conversationId) {
      throw new StoreError(
        "not_found",
        `message ${id} is not in conversation ${conversationId}; a message follows one of its own`,
      );
    }
  };

  const getConversationSync = (id: string): Conversation | null => {
    const row = stmt(`SELECT ${CONVERSATION_COLS} FROM conversations WHERE id = ?`).get(id);
    return row ? toConversation(row as unknown as Conversation) : null;
  };

  const store: Store = {
    attachments: sqliteAttachments(stmt, tx, now),

    // deno-lint-ignore require-await
    async createConversation(input: NewConversation = {}) {
      open();
      const title = optString(input.title, "title") ?? "";
      const model = optNullableString(input.model, "model") ?? null;
      const systemPrompt = optString(input.systemPrompt, "systemPrompt") ?? "";
      const t = now();
      const row = stmt(
        `INSERT INTO conversations
           (id, title, title_by_user, model, system_prompt, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${CONVERSATION_COLS}`,
        // A title given at creation is the creator's own: it is never generated over.
      ).get(crypto.randomUUID(), title, title.trim() ? 1 : 0, model, systemPrompt, t, t);
      return toConversation(row as unknown as Conversation);
    },

    // deno-lint-ignore require-await
    async getConversation(id) {
      open();
      return getConversationSync(id);
    },

    // deno-lint-ignore require-await
    async listConversations(opts = {}) {
      open();
      const limit = optCount(opts.limit, "limit") ?? -1; // -1: no limit in SQLite
      const offset = optCount(opts.offset, "offset") ?? 0;
      const rows = stmt(
        `SELECT ${CONVERSATION_COLS} FROM conversations
         ORDER BY pinned DESC, updated_at DESC, pk DESC LIMIT ? OFFSET ?`,
      ).all(limit, offset) as unknown as Conversation[];
      return rows.map(toConversation);
    },

    // deno-lint-ignore require-await
    async updateConversation(id, patch: ConversationPatch) {
      open();
      const title = optString(patch.title, "title");
      const model = optNullableString(patch.model, "model");
      const systemPrompt = optString(patch.systemPrompt, "systemPrompt");
      const titleByUser = optFlag(patch.titleByUser, "titleByUser");
      const pinned = optFlag(patch.pinned, "pinned");
      const row = stmt(
        `UPDATE conversations SET
           title = CASE WHEN :setTitle THEN :title ELSE title END,
           title_by_user = CASE WHEN :setByUser THEN :byUser ELSE title_by_user END,
           pinned = CASE WHEN :setPinned THEN :pinned ELSE pinned END,
           model = CASE WHEN :setModel THEN :model ELSE model END,
           system_prompt = CASE WHEN :setPrompt THEN :prompt ELSE system_prompt END,
           updated_at = CASE WHEN :touch THEN :now ELSE updated_at END
         WHERE id = :id RETURNING ${CONVERSATION_COLS}`,
      ).get({
        id,
        now: now(),
        // Pinning files the chat without making it newer: unpinned, it goes back where it was.
        touch: [title, model, systemPrompt].some((v) => v !== undefined) ? 1 : 0,
        ...setter("Title", "title", title),
        ...setter("Model", "model", model),
        ...setter("Prompt", "prompt", systemPrompt),
        ...setter("ByUser", "byUser", titleByUser),
        ...setter("Pinned", "pinned", pinned),
      });
      return row ? toConversation(row as unknown as Conversation) : null;
    },

    // deno-lint-ignore require-await
    async setGeneratedTitle(id, title) {
      open();
      const t = reqString(title, "title");
      // One statement: a rename that lands first is never overwritten.
      stmt("UPDATE conversations SET title = ? WHERE id = ? AND title_by_user = 0").run(t, id);
      return getConversationSync(id);
    },

    // deno-lint-ignore require-await
    async deleteConversation(id) {
      open();
      // Messages go with it through ON DELETE CASCADE (and their search entries through the
      // delete trigger).
      return stmt("DELETE FROM conversations WHERE id = ?").run(id).changes > 0;
    },

    // deno-lint-ignore require-await
    async listMessages(conversationId) {
      open();
      const rows = stmt(
        `SELECT ${MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND on_path = 1
         ORDER BY seq`,
      ).all(conversationId) as unknown as MessageRow[];
      return rows.map(toMessage);
    },

    // deno-lint-ignore require-await
    async listAllMessages(conversationId) {
      open();
      const rows = stmt(
        `SELECT ${MESSAGE_COLS} FROM messages WHERE conversation_id = ? ORDER BY seq`,
      ).all(conversationId) as unknown as MessageRow[];
      return rows.map(toMessage);
    },

    // deno-lint-ignore require-await
    async selectMessage(id) {
      open();
      reqString(id, "id");
      return tx(() => {
        if (!selectBranch(stmt, id)) return null;
        const row = stmt(`SELECT ${MESSAGE_COLS} FROM messages WHERE id = ?`).get(id);
        return toMessage(row as unknown as MessageRow);
      });
    },

    // deno-lint-ignore require-await
    async listMessagesPage(conversationId, opts: MessagePageOptions = {}) {
      open();
      const beforeSeq = optInt(opts.beforeSeq, "beforeSeq");
      const fromSeq = optInt(opts.fromSeq, "fromSeq");
      const limit = optCount(opts.limit, "limit") ?? -1; // -1: no limit in SQLite
      // Newest first through the index of the branch shown, so the cost is the page's size,
      // not the conversation's.
      const rows = stmt(
        `SELECT ${MESSAGE_COLS} FROM messages
         WHERE conversation_id = :id AND on_path = 1 AND seq < :before AND seq >= :from
         ORDER BY seq DESC LIMIT :limit`,
      ).all({
        id: conversationId,
        before: beforeSeq ?? Number.MAX_SAFE_INTEGER,
        from: fromSeq ?? Number.MIN_SAFE_INTEGER,
        limit,
      }) as unknown as MessageRow[];
      const messages = rows.reverse().map(toMessage);
      const first = messages[0]?.seq ?? beforeSeq ?? fromSeq;
      const hasMore = first !== undefined && stmt(
            `SELECT EXISTS (SELECT 1 FROM messages
             WHERE conversation_id = ? AND on_path = 1 AND seq < ?) AS more`,
          ).get(conversationId, first)?.more === 1;
      return { messages, hasMore };
    },

    // deno-lint-ignore require-await
    async lastMessageSeq(conversationId, role) {
      open();
      const r = role === undefined ? null : oneOf(role, ROLES, "role");
      const row = stmt(
        `SELECT seq FROM messages
         WHERE conversation_id = ? AND on_path = 1 AND (? IS NULL OR role = ?)
         ORDER BY seq DESC LIMIT 1`,
      ).get(conversationId, r, r) as { seq: number } | undefined;
      return row ? row.seq : null;
    },

    // deno-lint-ignore require-await
    async getMessage(id) {
      open();
      const row = stmt(`SELECT ${MESSAGE_COLS} FROM messages WHERE id = ?`).get(id);
      return row ? toMessage(row as unknown as MessageRow) : null;
    },

    // deno-lint-ignore require-await
    async addMessage(input: NewMessage) {
      open();
      const conversationId = reqString(input.conversationId, "conversationId");
      const role = oneOf(input.role, ROLES, "role");
      const content = reqString(input.content, "content");
      const status = input.status === undefined
        ? "complete"
        : oneOf(input.status, STATUSES, "status");
      const model = optNullableString(input.model, "model") ?? null;
      const meta = metaJson(input.meta);
      const parentId = optNullableString(input.parentId, "parentId");
      return tx(() => {
        const t = now();
        const touched = stmt("UPDATE conversations SET updated_at = ? WHERE id = ?")
          .run(t, conversationId);
        if (Number(touched.changes) === 0) {
          throw new StoreError("not_found", `conversation ${conversationId} does not exist`);
        }
        const { seq } = stmt(
          "SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM messages WHERE conversation_id = ?",
        ).get(conversationId) as { seq: number };
        const end = branchEnd(stmt, conversationId);
        const parent = parentId === undefined ? end : parentId;
        if (parent !== null && parent !== end) assertInConversation(parent, conversationId);
        const id = crypto.randomUUID();
        const appended = parent === end;
        stmt(
          `INSERT INTO messages
             (id, conversation_id, parent_id, seq, role, content, status, error, model, meta,
              created_at, updated_at, on_path)
           VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
        ).run(id, conversationId, parent, seq, role, content, status, model, meta, t, t, +appended);
        // Appended to the branch shown, it is the only version chosen there; any other parent
        // makes a new version, and the branch shown moves to run through it.
        if (appended) {
          stmt(
            `UPDATE messages SET selected = 0 WHERE conversation_id = ? AND parent_id IS ?
               AND id <> ? AND selected = 1`,
          ).run(conversationId, parent, id);
        } else selectBranch(stmt, id);
        const row = stmt(`SELECT ${MESSAGE_COLS} FROM messages WHERE id = ?`).get(id);
        return toMessage(row as unknown as MessageRow);
      });
    },

    // deno-lint-ignore require-await
    async updateMessage(id, patch: MessagePatch) {
      open();
      const content = optString(patch.content, "content");
      const status = patch.status === undefined
        ? undefined
        : oneOf(patch.status, STATUSES, "status");
      const error = optNullableString(patch.error, "error");
      const meta = patch.meta === undefined ? undefined : metaJson(patch.meta);
      // One statement by primary key: this runs every ~200 ms while a reply streams.
      const row = stmt(
        `UPDATE messages SET
           content = CASE WHEN :setContent THEN :content ELSE content END,
           status = CASE WHEN :setStatus THEN :status ELSE status END,
           error = CASE WHEN :setError THEN :error ELSE error END,
           meta = CASE WHEN :setMeta THEN :meta ELSE meta END,
           updated_at = :now
         WHERE id = :id RETURNING ${MESSAGE_COLS}`,
      ).get({
        id,
        now: now(),
        ...setter("Content", "content", content),
        ...setter("Status", "status", status),
        ...setter("Error", "error", error),
        ...setter("Meta", "meta", meta),
      });
      return row ? toMessage(row as unknown as MessageRow) : null;
    },

    // deno-lint-ignore require-await
    async deleteMessagesFrom(conversationId, fromSeq) {
      open();
      if (!Number.isInteger(fromSeq)) {
        throw new StoreError("invalid_input", `fromSeq must be an integer, got ${fromSeq}`);
      }
      return tx(() => {
        // Counted first: the statement's own count misses what ON DELETE CASCADE takes with
        // a parent (its later messages, every one of them also at or after fromSeq).
        const { changes } = stmt(
          "SELECT COUNT(*) AS changes FROM messages WHERE conversation_id = ? AND seq >= ?",
        ).get(conversationId, fromSeq) as { changes: number };
        stmt("DELETE FROM messages WHERE conversation_id = ? AND seq >= ?")
          .run(conversationId, fromSeq);
        if (changes > 0) {
          stmt("UPDATE conversations SET updated_at = ? WHERE id = ?").run(now(), conversationId);
        }
        return Number(changes);
      });
    },

    // deno-lint-ignore require-await
    async search(query, opts = {}) {
      open();
      if (typeof query !== "string") {
        throw new StoreError("invalid_input", "search query must be a string");
      }
      const limit = Math.min(
        optCount(opts.limit, "limit") ?? DEFAULT_SEARCH_LIMIT,
        MAX_SEARCH_LIMIT,
      );
      const match = toFtsQuery(query);
      if (match === null || limit === 0) return [];
      type Row = SearchHit & { score: number };
      // bm25 costs ~2 µs a row and `ORDER BY rank` ranks every match (30,000 rows for a common
      // word in 100,000 messages), and a snippet computed before the sort costs more. So: rank
      // only the newest SEARCH_CANDIDATES matches (FTS5 walks rowids newest first and stops),
      // keep the best `limit`, then make snippets for those alone in one pass over their rowid
      // range (a per-row `rowid =` lookup re-expands a long prefix for every row).
      const messageHits = stmt(
        `WITH top AS MATERIALIZED (
           SELECT rowid AS pk, bm25(messages_fts) AS score FROM messages_fts
           WHERE messages_fts MATCH :match ORDER BY rowid DESC LIMIT :candidates
         ), best AS MATERIALIZED (
           SELECT pk, score FROM top ORDER BY score, pk DESC LIMIT :limit
         )
         SELECT m.conversation_id AS conversationId, c.title AS conversationTitle,
                m.id AS messageId, m.role AS role, m.created_at AS createdAt,
                snippet(messages_fts, 0, char(1), char(2), '…', ${SNIPPET_TOKENS}) AS snippet,
                best.score AS score
         FROM messages_fts
         CROSS JOIN best ON best.pk = +messages_fts.rowid
         JOIN messages m ON m.pk = best.pk AND m.on_path = 1
         JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH :match
           AND messages_fts.rowid >= (SELECT MIN(pk) FROM best)
           AND messages_fts.rowid <= (SELECT MAX(pk) FROM best)
         ORDER BY best.score, best.pk DESC`,
      ).all({
        match,
        limit,
        candidates: Math.max(SEARCH_CANDIDATES, limit),
      }) as unknown as Row[];
      // A title match points at the conversation's first message; empty conversations have
      // nothing to open, so they are left out.
      const titleHits = stmt(
        `SELECT c.id AS conversationId, c.title AS conversationTitle,
                m.id AS messageId, m.role AS role, m.created_at AS createdAt,
                highlight(conversations_fts, 0, char(1), char(2)) AS snippet,
                conversations_fts.rank AS score
         FROM conversations_fts
         JOIN conversations c ON c.pk = conversations_fts.rowid
         JOIN messages m ON m.conversation_id = c.id
           AND m.seq = (SELECT MIN(seq) FROM messages WHERE conversation_id = c.id AND on_path = 1)
         WHERE conversations_fts MATCH ? ORDER BY conversations_fts.rank LIMIT ?`,
      ).all(match, limit) as unknown as Row[];
      const nameHits = attachmentNameHits(stmt, match, limit);
      const seen = new Set<string>();
      const hits: SearchHit[] = [];
      for (
        const r of [...titleHits, ...nameHits, ...messageHits].sort((a, b) => a.score - b.score)
      ) {
        if (seen.has(r.messageId)) continue;
        seen.add(r.messageId);
        hits.push({
          conversationId: r.conversationId,
          conversationTitle: r.conversationTitle,
          messageId: r.messageId,
          role: r.role,
          snippet: r.snippet,
          createdAt: r.createdAt,
        });
        if (hits.length === limit) break;
      }
      return hits;
    },

    // deno-lint-ignore require-await
    async recoverInterrupted(finishMeta) {
      open();
      return tx(() => {
        const rows = stmt("SELECT id, meta FROM messages WHERE status = 'streaming'")
          .all() as unknown as { id: string; meta: string | null }[];
        const update = stmt(
          "UPDATE messages SET status = 'stopped', meta = ?, updated_at = ? WHERE id = ?",
        );
        for (const row of rows) {
          const meta = parseMeta(row.meta);
          const finished = meta && finishMeta ? metaJson(finishMeta(meta)) : row.meta;
          update.run(finished, now(), row.id);
        }
        return rows.length;
      });
    },

    // deno-lint-ignore require-await
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      db.close();
    },
  };
  return store;
}

/** Named parameters for a `CASE WHEN :setX THEN :x ELSE x END` column update. */
function setter(
  flag: string,
  name: string,
  value: SQLInputValue | undefined,
): Record<string, SQLInputValue> {
  return { [`set${flag}`]: value === undefined ? 0 : 1, [name]: value ?? null };
}

// Rows from node:sqlite have a null prototype; callers get plain objects with exactly the
// interface's fields.
function toConversation(row: Conversation): Conversation {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    systemPrompt: row.systemPrompt,
    pinned: Boolean(row.pinned),
    titleByUser: Boolean(row.titleByUser),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversationId,
    parentId: row.parentId,
    seq: row.seq,
    role: row.role,
    content: row.content,
    status: row.status,
    error: row.error,
    model: row.model,
    meta: parseMeta(row.meta),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    versions: row.versions === null ? null : JSON.parse(row.versions),
  };
}

function parseMeta(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null; // written by something else; never let one bad row break a listing
  }
}

function metaJson(meta: unknown): string | null {
  if (meta === undefined || meta === null) return null;
  if (typeof meta !== "object" || Array.isArray(meta)) {
    throw new StoreError("invalid_input", "meta must be a JSON object or null");
  }
  try {
    return JSON.stringify(meta);
  } catch (err) {
    throw new StoreError(
      "invalid_input",
      `meta is not serialisable as JSON: ${err instanceof Error ? err.message : err}`,
    );
  }
}

function reqString(v: unknown, field: string): string {
  if (typeof v !== "string") {
    throw new StoreError("invalid_input", `${field} must be a string, got ${typeof v}`);
  }
  return v;
}

function optString(v: unknown, field: string): string | undefined {
  return v === undefined ? undefined : reqString(v, field);
}

function optFlag(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") {
    throw new StoreError("invalid_input", `${field} must be true or false, got ${typeof v}`);
  }
  return v ? 1 : 0;
}

function optNullableString(v: unknown, field: string): string | null | undefined {
  return v === null ? null : optString(v, field);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (typeof v !== "string" || !allowed.includes(v as T)) {
    throw new StoreError(
      "invalid_input",
      `${field} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

function optInt(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new StoreError("invalid_input", `${field} must be an integer, got ${v}`);
  }
  return v;
}

function optCount(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new StoreError("invalid_input", `${field} must be a non-negative integer, got ${v}`);
  }
  return v;
}
