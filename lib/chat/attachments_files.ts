/**
 * The attachment files on disk: `<data dir>/attachments/<first 2 hex>/<sha256>`, written once
 * per content and shared by every record with that hash; a file no record names is swept.
 * @module
 */
import { join } from "node:path";
import { sha256Hex } from "../plugins/lockfile.ts";

/** The folder of attachment files under a data dir. */
export function attachmentsDir(dataDir: string): string {
  return join(dataDir, "attachments");
}

/** Where the file with this hash lives. */
export function blobPath(dataDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256 hash: ${sha256}`);
  return join(attachmentsDir(dataDir), sha256.slice(0, 2), sha256);
}

/** Writes `bytes` under its hash (once: the same bytes are already there) and returns it. */
export async function writeBlob(dataDir: string, bytes: Uint8Array): Promise<string> {
  const hash = await sha256Hex(bytes);
  const path = blobPath(dataDir, hash);
  try {
    await Deno.stat(path);
    return hash;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(join(path, ".."), { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  return hash;
}

/** The bytes of the file with this hash. */
export function readBlob(dataDir: string, sha256: string): Promise<Uint8Array> {
  return Deno.readFile(blobPath(dataDir, sha256));
}

/**
 * Deletes every file whose hash is not in `keep` (and stray temporary files); returns how many
 * went. `keep` must be read after the records were changed.
 */
export async function sweepBlobs(dataDir: string, keep: Set<string>): Promise<number> {
  let removed = 0;
  const root = attachmentsDir(dataDir);
  for await (const dir of readDirOrEmpty(root)) {
    if (!dir.isDirectory) continue;
    for await (const f of readDirOrEmpty(join(root, dir.name))) {
      if (keep.has(f.name)) continue;
      await Deno.remove(join(root, dir.name, f.name)).catch(() => {});
      removed++;
    }
  }
  return removed;
}

async function* readDirOrEmpty(path: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
