/**
 * Reply versions in SQLite: the messages of a conversation form a tree (`parent_id`), and
 * the conversation shown is one branch of it, root to leaf, flagged `on_path`. Each sibling
 * group remembers its chosen version (`selected`), so switching back to an older version
 * brings back what followed it. Private to the SQLite store (see migrations.ts, V3).
 * @module
 */
import type { StatementSync } from "node:sqlite";

/** Prepares (and caches) a statement; the store's own helper. */
export type Prepare = (sql: string) => StatementSync;

/**
 * The part of the branch through `:id` that is not shown yet: `up` climbs from it to the
 * first ancestor already shown (the fork, included) or to its root; `down` follows from it
 * the chosen version of each next message (the newest when none is chosen), ending on the
 * NULL a message without children gives. So a switch costs the branches it changes, not the
 * conversation.
 */
const UP = `
  up (id, parent_id, seq, on_path) AS (
    SELECT id, parent_id, seq, on_path FROM messages WHERE id = :id
    UNION ALL
    SELECT m.id, m.parent_id, m.seq, m.on_path FROM messages m JOIN up ON m.id = up.parent_id
    WHERE up.on_path = 0
  )`;
const DOWN = `
  down (id) AS (
    SELECT :id
    UNION ALL
    SELECT (SELECT c.id FROM messages c WHERE c.conversation_id = :conversation
              AND c.parent_id = down.id ORDER BY c.selected DESC, c.seq DESC LIMIT 1)
    FROM down WHERE down.id IS NOT NULL
  )`;

/**
 * Shows the branch through message `id`: it and its ancestors become the chosen versions,
 * below it the versions chosen before. Call inside a transaction. Returns false for an
 * unknown id.
 */
export function selectBranch(prepare: Prepare, id: string): boolean {
  const row = prepare("SELECT conversation_id AS conversation FROM messages WHERE id = ?")
    .get(id) as { conversation: string } | undefined;
  if (!row) return false;
  const args = { id, conversation: row.conversation };
  // Shown messages after the fork belong to the branch being left.
  const { fork } = prepare(
    `WITH RECURSIVE ${UP} SELECT COALESCE(MAX(seq), -1) AS fork FROM up WHERE on_path = 1`,
  ).get({ id }) as { fork: number };
  // In each sibling group climbed through, the member on the branch is the chosen one.
  prepare(
    `WITH RECURSIVE ${UP}
     UPDATE messages SET selected = (id IN (SELECT id FROM up))
     WHERE pk IN (
       SELECT s.pk FROM up JOIN messages s
         ON s.conversation_id = :conversation AND s.parent_id IS up.parent_id
       WHERE up.on_path = 0 OR up.id = :id
     )`,
  ).run(args);
  prepare(
    "UPDATE messages SET on_path = 0 WHERE conversation_id = ? AND on_path = 1 AND seq > ?",
  ).run(row.conversation, fork);
  // Below it: the versions followed are the chosen ones (a group whose chosen version was
  // deleted gets the newest).
  prepare(
    `WITH RECURSIVE ${UP}, ${DOWN}
     UPDATE messages SET on_path = 1, selected = 1
     WHERE id IN (SELECT id FROM up UNION SELECT id FROM down WHERE id IS NOT NULL)`,
  ).run(args);
  return true;
}

const SIBLINGS =
  "s.conversation_id = messages.conversation_id AND s.parent_id IS messages.parent_id";

/**
 * The message a new one follows when no parent is named: the end of the branch shown, or
 * `null` in an empty conversation.
 */
export function branchEnd(prepare: Prepare, conversationId: string): string | null {
  const row = prepare(
    "SELECT id FROM messages WHERE conversation_id = ? AND on_path = 1 ORDER BY seq DESC LIMIT 1",
  ).get(conversationId) as { id: string } | undefined;
  return row?.id ?? null;
}

/**
 * SQL for a message's versions (itself and its siblings, oldest first), NULL when it has
 * none; for the column list of a query over `messages`. Most messages have none, and the
 * one-row probe first keeps a 5,000-message read within a few percent of a plain one.
 */
export const VERSIONS_COL = `CASE
  WHEN EXISTS (SELECT 1 FROM messages s WHERE ${SIBLINGS} AND s.id <> messages.id)
  THEN (SELECT json_group_array(s.id ORDER BY s.seq) FROM messages s WHERE ${SIBLINGS})
END AS versions`;
