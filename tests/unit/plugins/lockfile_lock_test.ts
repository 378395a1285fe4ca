/**
 * The plugins lock holds across processes: while the CLI (here a second Deno process) is in
 * the middle of a lockfile read-modify-write, the server's edit waits for it, so neither edit
 * is lost.
 */
import assert from "node:assert/strict";
import { setEnabled } from "../../../lib/plugins/installed.ts";
import { type LockEntry, readLockfile, writeLockfile } from "../../../lib/plugins/lockfile.ts";

function entry(source: string): LockEntry {
  return {
    source,
    url: `https://github.com/${source}`,
    ref: "v1.0.0",
    refKind: "tag",
    pinned: false,
    commit: "a".repeat(40),
    version: "1.0.0",
    wasmSha256: "b".repeat(64),
    installedAt: new Date(0).toISOString(),
    enabled: true,
    grants: { apis: [], net: { hosts: [], allowPrivate: false }, fs: [], secrets: [] },
  };
}

Deno.test("plugins lock: another process's read-modify-write is not lost", async () => {
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-lock-" });
  try {
    await writeLockfile(pluginsDir, {
      lockfileVersion: 1,
      plugins: { a: entry("acme/a"), b: entry("acme/b") },
    });
    const lockfile = new URL("../../../lib/plugins/lockfile.ts", import.meta.url).href;
    // The other process reads the lockfile under the lock, says so, waits for a line on stdin,
    // then writes its change (a disabled) from what it read.
    const other = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { readLockfile, withPluginsLock, writeLockfile } from ${JSON.stringify(lockfile)};
         const dir = ${JSON.stringify(pluginsDir)};
         await withPluginsLock(dir, async () => {
           const lock = await readLockfile(dir);
           console.log("read");
           await Deno.stdin.read(new Uint8Array(1));
           lock.plugins.a.enabled = false;
           await writeLockfile(dir, lock);
         });`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = other.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value?.trim(), "read");

    // Meanwhile, in this process: `b` is disabled. It must wait for the other process.
    const mine = setEnabled(pluginsDir, "b", false);
    // Give an unlocked edit the chance to finish first (then the other process would write
    // over it); a locked one just waits. Nothing is asserted about time.
    await Promise.race([mine, new Promise((r) => setTimeout(r, 300))]);
    const writer = other.stdin.getWriter();
    await writer.write(new Uint8Array([10]));
    await writer.close();
    assert.equal((await other.status).code, 0);
    await mine;
    await reader.cancel();

    const { plugins } = await readLockfile(pluginsDir);
    assert.deepEqual([plugins.a.enabled, plugins.b.enabled], [false, false]);
  } finally {
    await Deno.remove(pluginsDir, { recursive: true });
  }
});
