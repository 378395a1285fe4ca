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
 * The branch through `:id`: its ancestors (`up`), then from it down the chosen version of
 * each following message (`down`, newest when none is chosen). The recursion ends on the
 * NULL a message without children gives.
 */
const BRANCH = `
WITH RECURSIVE
  up (id, parent_id) AS (
    SELECT id, parent_id FROM messages WHERE id = :id
    UNION ALL
    SELECT m.id, m.parent_id FROM messages m JOIN up ON m.id = up.parent_id
  ),
  down (id) AS (
    SELECT :id
    UNION ALL
    SELECT (SELECT c.id FROM messages c WHERE c.conversation_id = :conversation
              AND c.parent_id = down.id ORDER BY c.selected DESC, c.seq DESC LIMIT 1)
    FROM down WHERE down.id IS NOT NULL
  ),
  branch (id) AS (SELECT id FROM up UNION SELECT id FROM down WHERE id IS NOT NULL)`;

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
  // Each sibling group the branch passes through: its member on the branch is the chosen one.
  prepare(
    `${BRANCH}
     UPDATE messages SET selected = (id IN (SELECT id FROM branch))
     WHERE pk IN (
       SELECT s.pk FROM branch b JOIN messages m ON m.id = b.id
       JOIN messages s ON s.conversation_id = m.conversation_id AND s.parent_id IS m.parent_id
     )`,
  ).run(args);
  prepare(
    `${BRANCH}
     UPDATE messages SET on_path = (id IN (SELECT id FROM branch))
     WHERE conversation_id = :conversation
       AND (on_path = 1 OR id IN (SELECT id FROM branch))`,
  ).run(args);
  return true;
}

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
 * none; for the column list of a query over `messages`.
 */
export const VERSIONS_COL = `(
  SELECT CASE WHEN COUNT(*) > 1 THEN json_group_array(s.id ORDER BY s.seq) END
  FROM messages s
  WHERE s.conversation_id = messages.conversation_id AND s.parent_id IS messages.parent_id
) AS versions`;
