/**
 * Schema migrations for the SQLite store, versioned with `PRAGMA user_version`.
 *
 * Each migration moves the schema from version `n - 1` to `n` inside one transaction, so a
 * failing migration leaves the database exactly as it was. Opening a database written by a
 * newer rungpt is refused with {@linkcode SchemaTooNewError} rather than guessed at.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { DatabaseSync } from "node:sqlite";

/** One step of the schema. `version` is the `user_version` the database has afterwards. */
export interface Migration {
  version: number;
  /** Short description, shown in errors. */
  name: string;
  /** SQL run with `exec` (may hold several statements). */
  sql: string;
}

/** Thrown when the database's schema version is newer than the code knows. */
export class SchemaTooNewError extends UserError {
  /** Version found in the file. */
  readonly found: number;
  /** Newest version this code knows. */
  readonly known: number;
  constructor(found: number, known: number, path?: string) {
    super(
      `database${path ? ` ${path}` : ""} has schema version ${found}, but this rungpt only ` +
        `knows up to version ${known}; upgrade rungpt or point RUNGPT_DATA_DIR elsewhere`,
    );
    this.name = "SchemaTooNewError";
    this.found = found;
    this.known = known;
  }
}

/** Thrown when a migration's SQL fails; the database is left at the previous version. */
export class MigrationError extends UserError {
  constructor(migration: Migration, cause: unknown) {
    super(
      `migration ${migration.version} (${migration.name}) failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = "MigrationError";
  }
}

/*
 * Why the schema looks like this:
 * - `pk INTEGER PRIMARY KEY` aliases the rowid, so rowids never change (VACUUM may renumber a
 *   plain rowid); the FTS tables are external-content tables keyed on it.
 * - Messages are indexed for search only once they are not `streaming`: a reply in flight is
 *   updated every ~200 ms and re-indexing its growing text each time would be wasted work. The
 *   triggers keep "indexed" == "status <> 'streaming'" exact, which the external-content
 *   `delete` command requires (it must be given the values that were indexed).
 */
const V1 = `
CREATE TABLE conversations (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL DEFAULT '',
  model TEXT,
  system_prompt TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations (updated_at DESC, pk DESC);

CREATE TABLE messages (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'stopped', 'error')),
  error TEXT,
  model TEXT,
  meta TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';

CREATE VIRTUAL TABLE messages_fts USING fts5 (
  content,
  content = 'messages',
  content_rowid = 'pk',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages
WHEN new.status <> 'streaming' BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.pk, new.content);
END;

CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages
WHEN old.status <> 'streaming' BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.pk, old.content);
END;

-- Three mutually exclusive update triggers: SQLite gives no order among triggers on the same
-- event, and the delete must see the old row before the insert of the new one.
CREATE TRIGGER messages_fts_au_reindex AFTER UPDATE ON messages
WHEN old.status <> 'streaming' AND new.status <> 'streaming'
  AND new.content IS NOT old.content BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.pk, old.content);
  INSERT INTO messages_fts (rowid, content) VALUES (new.pk, new.content);
END;

CREATE TRIGGER messages_fts_au_unindex AFTER UPDATE ON messages
WHEN old.status <> 'streaming' AND new.status = 'streaming' BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.pk, old.content);
END;

CREATE TRIGGER messages_fts_au_index AFTER UPDATE ON messages
WHEN old.status = 'streaming' AND new.status <> 'streaming' BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.pk, new.content);
END;

CREATE VIRTUAL TABLE conversations_fts USING fts5 (
  title,
  content = 'conversations',
  content_rowid = 'pk',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

CREATE TRIGGER conversations_fts_ai AFTER INSERT ON conversations BEGIN
  INSERT INTO conversations_fts (rowid, title) VALUES (new.pk, new.title);
END;

CREATE TRIGGER conversations_fts_ad AFTER DELETE ON conversations BEGIN
  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.pk, old.title);
END;

CREATE TRIGGER conversations_fts_au AFTER UPDATE OF title ON conversations
WHEN new.title IS NOT old.title BEGIN
  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.pk, old.title);
  INSERT INTO conversations_fts (rowid, title) VALUES (new.pk, new.title);
END;
`;

/**
 * Before crash recovery ended unfinished action calls (lib/chat/recovery.ts), a crash mid-turn
 * left the message `stopped` with calls still "running" or "waiting for approval" in its meta:
 * end those the way recovery does now, with the same error text.
 */
const V2 = `
UPDATE messages SET meta = (
  SELECT json_set(messages.meta, '$.actions', json_group_array(
    CASE WHEN json_extract(call.value, '$.status') IN ('pending', 'awaiting_approval', 'running')
      THEN json_set(call.value, '$.status', 'cancelled',
        '$.error', 'interrupted: rungpt stopped before this action finished')
      ELSE json(call.value) END
    ORDER BY call.key))
  FROM json_each(messages.meta, '$.actions') AS call
)
WHERE status <> 'streaming' AND json_valid(meta)
  AND json_type(meta, '$.actions') = 'array'
  AND EXISTS (
    SELECT 1 FROM json_each(messages.meta, '$.actions') AS call
    WHERE json_extract(call.value, '$.status') IN ('pending', 'awaiting_approval', 'running')
  );
`;

/**
 * Reply versions: messages form a tree. `parent_id` is the message a message follows (NULL for
 * the first); siblings are versions of one another. `selected` marks the version chosen among
 * its siblings (remembered when the branch is not shown); `on_path` marks the branch shown,
 * root to leaf, so reading "the conversation" stays one indexed range over `seq`. `seq` keeps
 * growing with every message, so along any branch it still orders messages. Existing
 * conversations were one chain: each message's parent is the one before it.
 */
const V3 = `
ALTER TABLE messages ADD COLUMN parent_id TEXT REFERENCES messages (id) ON DELETE CASCADE;
ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 1 CHECK (selected IN (0, 1));
ALTER TABLE messages ADD COLUMN on_path INTEGER NOT NULL DEFAULT 1 CHECK (on_path IN (0, 1));
UPDATE messages SET parent_id = (
  SELECT p.id FROM messages p
  WHERE p.conversation_id = messages.conversation_id AND p.seq < messages.seq
  ORDER BY p.seq DESC LIMIT 1
);
CREATE INDEX messages_children ON messages (conversation_id, parent_id, seq);
CREATE INDEX messages_path ON messages (conversation_id, seq) WHERE on_path = 1;
`;

/**
 * Attachments: one row per file attached to one message (`message_id` is null while the file
 * waits in a composer). Rows go with their message (and so with their conversation); the
 * bytes live in `<data dir>/attachments/`, named by SHA-256 and shared by every row with that
 * hash, and a file no row names any more is swept (lib/chat/attachments_files.ts). `text` is
 * what the model is sent for text files and PDFs. File names are searchable.
 */
const V4 = `
CREATE TABLE attachments (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('image', 'text', 'pdf')),
  size INTEGER NOT NULL,
  text TEXT,
  message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
  -- Where it stands among its message's files.
  position INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_hash ON attachments (hash);

CREATE VIRTUAL TABLE attachments_fts USING fts5 (
  name,
  content = 'attachments',
  content_rowid = 'pk',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
CREATE TRIGGER attachments_fts_ai AFTER INSERT ON attachments BEGIN
  INSERT INTO attachments_fts (rowid, name) VALUES (new.pk, new.name);
END;
CREATE TRIGGER attachments_fts_ad AFTER DELETE ON attachments BEGIN
  INSERT INTO attachments_fts (attachments_fts, rowid, name) VALUES ('delete', old.pk, old.name);
END;
`;

/**
 * Pinned chats list first; `title_by_user` marks a title the user gave by renaming, which a
 * generated title never replaces.
 */
const V5 = `
ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN title_by_user INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_pinned ON conversations (pinned DESC, updated_at DESC, pk DESC);
`;

/** The schema, oldest first. Append only: never edit a migration that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "conversations, messages, full-text search", sql: V1 },
  { version: 2, name: "end action calls a crash left unfinished", sql: V2 },
  { version: 3, name: "reply versions: messages as a tree", sql: V3 },
  { version: 4, name: "attachments", sql: V4 },
  { version: 5, name: "pinned chats, titles set by the user", sql: V5 },
];

/** Reads `PRAGMA user_version`. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

/**
 * Brings `db` up to the newest version in `migrations`, one transaction per step.
 * Returns the version the database is at afterwards.
 *
 * @throws {SchemaTooNewError} if the database is newer than the newest migration.
 * @throws {MigrationError} if a step fails (earlier steps stay applied).
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * const db = new DatabaseSync(":memory:");
 * migrate(db); // => 1
 * ```
 */
export function migrate(
  db: DatabaseSync,
  migrations: readonly Migration[] = MIGRATIONS,
  path?: string,
): number {
  checkOrder(migrations);
  let current = assertNotTooNew(db, migrations, path);
  for (const m of migrations) {
    if (m.version <= current) continue;
    // IMMEDIATE takes the write lock up front, so two processes opening the same file at
    // once cannot both apply the same step; the loser re-checks the version after the lock.
    db.exec("BEGIN IMMEDIATE");
    try {
      if (schemaVersion(db) >= m.version) {
        db.exec("COMMIT");
        current = schemaVersion(db);
        continue;
      }
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw new MigrationError(m, err);
    }
    current = m.version;
  }
  return current;
}

/**
 * Returns the database's schema version, or throws {@linkcode SchemaTooNewError} if it is
 * newer than the newest of `migrations`. Changes nothing, so it is safe to call before
 * touching a file that might belong to a newer rungpt.
 *
 * @example
 * ```ts
 * assertNotTooNew(db); // => 1, or throws
 * ```
 */
export function assertNotTooNew(
  db: DatabaseSync,
  migrations: readonly Migration[] = MIGRATIONS,
  path?: string,
): number {
  const known = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > known) throw new SchemaTooNewError(current, known, path);
  return current;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version !== i + 1) {
      throw new Error(
        `migration list is malformed: entry ${i} ("${m.name}") has version ${m.version}, ` +
          `expected ${i + 1}`,
      );
    }
  });
}
