import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  migrate,
  type Migration,
  MigrationError,
  MIGRATIONS,
  SchemaTooNewError,
  schemaVersion,
} from "../../../lib/store/migrations.ts";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import { INTERRUPTED_ERROR } from "../../../lib/chat/recovery.ts";

function withDb(fn: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(":memory:");
  try {
    fn(db);
  } finally {
    db.close();
  }
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as { name: string }[]).map((r) => r.name);
}

const latest = MIGRATIONS.at(-1)!.version;

Deno.test("a fresh database gets the whole schema and the latest version", () =>
  withDb((db) => {
    assert.equal(schemaVersion(db), 0);
    assert.equal(migrate(db), latest);
    assert.equal(schemaVersion(db), latest);
    const names = tables(db);
    for (const t of ["conversations", "messages", "messages_fts", "conversations_fts"]) {
      assert.ok(names.includes(t), `table ${t} exists`);
    }
  }));

Deno.test("migrating again is a no-op", () =>
  withDb((db) => {
    migrate(db);
    const before = tables(db);
    assert.equal(migrate(db), latest);
    assert.deepEqual(tables(db), before);
  }));

Deno.test("migrations apply in order from the current version", () =>
  withDb((db) => {
    const steps: Migration[] = [
      { version: 1, name: "a", sql: "CREATE TABLE a (x)" },
      { version: 2, name: "b", sql: "CREATE TABLE b (x)" },
    ];
    assert.equal(migrate(db, steps.slice(0, 1)), 1);
    assert.deepEqual(tables(db), ["a"]);
    assert.equal(migrate(db, steps), 2);
    assert.deepEqual(tables(db), ["a", "b"]);
  }));

Deno.test("a failing migration rolls back entirely and names itself", () =>
  withDb((db) => {
    const steps: Migration[] = [
      { version: 1, name: "ok", sql: "CREATE TABLE a (x)" },
      { version: 2, name: "broken", sql: "CREATE TABLE b (x); THIS IS NOT SQL" },
    ];
    const err = (() => {
      try {
        migrate(db, steps);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof MigrationError);
    assert.match(err.message, /migration 2 \(broken\) failed/);
    assert.equal(schemaVersion(db), 1, "step 1 stays applied");
    assert.deepEqual(tables(db), ["a"], "step 2's first statement was rolled back");
    assert.equal(db.isTransaction, false);
  }));

Deno.test("a malformed migration list is refused", () =>
  withDb((db) => {
    assert.throws(
      () => migrate(db, [{ version: 2, name: "gap", sql: "" }]),
      /entry 0 \("gap"\) has version 2, expected 1/,
    );
  }));

Deno.test("a database newer than the code is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "rungpt.db");
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${latest + 1}`);
    raw.close();

    const err = await openSqliteStore(path).then(() => null, (e) => e);
    assert.ok(err instanceof SchemaTooNewError);
    assert.equal(err.found, latest + 1);
    assert.equal(err.known, latest);
    assert.match(err.message, /newer|only knows up to version/);
    assert.ok(err.message.includes(path), "names the file");

    // Nothing was changed.
    const check = new DatabaseSync(path);
    assert.equal(schemaVersion(check), latest + 1);
    assert.deepEqual(tables(check), []);
    assert.deepEqual({ ...check.prepare("PRAGMA journal_mode").get() }, { journal_mode: "delete" });
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("re-opening a store keeps the schema version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "rungpt.db");
    await (await openSqliteStore(path)).close();
    await (await openSqliteStore(path)).close();
    const raw = new DatabaseSync(path);
    assert.equal(schemaVersion(raw), latest);
    raw.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("v2 ends the action calls an old crash left unfinished, and nothing else", () =>
  withDb((db) => {
    migrate(db, MIGRATIONS.filter((m) => m.version === 1));
    db.exec(
      "INSERT INTO conversations (id, created_at, updated_at) VALUES ('c', 0, 0)",
    );
    const insert = db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, role, content, status, meta, created_at,
         updated_at) VALUES (?, 'c', ?, 'assistant', 'text', ?, ?, 0, 0)`,
    );
    const done = { id: "a", status: "done", result: "ok" };
    const calls = [
      done,
      { id: "b", status: "running" },
      { id: "c", status: "awaiting_approval" },
      { id: "d", status: "pending" },
      { id: "e", status: "error", error: "boom" },
    ];
    const meta = JSON.stringify({ systemPrompt: "s", actions: calls });
    insert.run("stuck", 1, "stopped", meta);
    insert.run("live", 2, "streaming", meta);
    insert.run("clean", 3, "complete", JSON.stringify({ actions: [done] }));
    insert.run("corrupt", 4, "stopped", "{not json");
    insert.run("plain", 5, "complete", null);

    migrate(db);

    const metaOf = (id: string) =>
      (db.prepare("SELECT meta FROM messages WHERE id = ?").get(id) as { meta: string | null })
        .meta;
    const ended = { status: "cancelled", error: INTERRUPTED_ERROR };
    assert.deepEqual(JSON.parse(metaOf("stuck")!), {
      systemPrompt: "s",
      actions: [
        done,
        { id: "b", ...ended },
        { id: "c", ...ended },
        { id: "d", ...ended },
        calls[4],
      ],
    });
    // A live turn is the next start's recovery to finish; the rest are left as they were.
    assert.equal(metaOf("live"), meta);
    assert.equal(metaOf("clean"), JSON.stringify({ actions: [done] }));
    assert.equal(metaOf("corrupt"), "{not json");
    assert.equal(metaOf("plain"), null);
  }));
