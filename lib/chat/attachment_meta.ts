/**
 * A user message's files as its `meta.attachments` records them (written when it is sent).
 * Imports nothing at run time, so the browser bundle uses it too.
 * @module
 */
import type { Attachment } from "../store/attachments.ts";

/**
 * The attachments listed in a message's meta; malformed entries are left out.
 *
 * @example
 * ```ts
 * attachmentsFromMeta(message.meta); // [{ id, name: "report.pdf", kind: "pdf", ... }]
 * ```
 */
export function attachmentsFromMeta(meta: Record<string, unknown> | null): Attachment[] {
  const list = meta?.attachments;
  if (!Array.isArray(list)) return [];
  return list.filter((a): a is Attachment =>
    typeof a === "object" && a !== null && typeof a.id === "string" &&
    typeof a.name === "string" && typeof a.kind === "string" && typeof a.size === "number"
  );
}

/** A size as people read it: `512 B`, `12.3 KB`, `4.0 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
