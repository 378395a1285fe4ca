/**
 * The quota on a plugin's data dir, through the real `rungpt:fs` host functions called by the
 * `files` fixture (real wasm, real files in a temp dir): total bytes, files and folders,
 * credits for overwrites and deletes, concurrent writes on two instances sharing one ledger,
 * and what is already on disk when the plugin loads.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { pluginEnv } from "../../support/plugin_runtime.ts";
import { callAction, type LoadedPlugin } from "../../../lib/plugins/runtime.ts";
import { openDataQuota, pluginDataDir } from "../../../lib/plugins/data_dir.ts";
import { STATE_FILE } from "../../../lib/plugins/host/fs.ts";
import {
  measureUsage,
  QuotaExceededError,
  QuotaLedger,
  type QuotaLimits,
} from "../../../lib/plugins/host/quota.ts";
import { formatSize, parseSize } from "../../../lib/plugins/quota_size.ts";

async function fs(plugin: LoadedPlugin, fn: string, req: unknown) {
  return JSON.parse(await callAction(plugin, fn, JSON.stringify(req)));
}

function assertError(envelope: { error?: string }, ...parts: string[]) {
  for (const part of parts) {
    assert.ok(
      envelope.error?.includes(part),
      `expected an error with ${part}: ${JSON.stringify(envelope)}`,
    );
  }
}

/** The `files` fixture with a quota account of `limits` opened from its data dir. */
async function withQuota(limits: QuotaLimits) {
  const env = await pluginEnv();
  const dir = pluginDataDir(env.dataDir, "files");
  const quota = await openDataQuota("files", dir, limits);
  return { env, dir, quota, load: () => env.load("files", { quota }) };
}

/** The ledger agrees with the disk. */
async function assertAccounted(quota: QuotaLedger, dir: string) {
  assertEquals(quota.used, await measureUsage(dir));
}

Deno.test("quota: a write past the byte quota fails, naming the sizes and how to raise it", async () => {
  const { env, dir, quota, load } = await withQuota({ bytes: 1000, files: 100 });
  await using _ = env;
  const files = await load();
  assertEquals(await fs(files, "write", { path: "notes/a.txt", content: "a".repeat(600) }), {
    ok: { size: 600 },
  });
  const refused = await fs(files, "write", { path: "notes/b.txt", content: "b".repeat(500) });
  assertError(
    refused,
    "quota exceeded: writing notes/b.txt (500 B more)",
    "the data of plugin files to 1.07 KB of 1000 B",
    'rungpt plugin quota files --bytes <size> --files <count>"',
  );
  await assert.rejects(Deno.lstat(join(dir, "notes", "b.txt")), Deno.errors.NotFound);
  const append = await fs(files, "write", {
    path: "notes/a.txt",
    content: "a".repeat(401),
    append: true,
  });
  assertError(append, "quota exceeded: writing notes/a.txt (401 B more)");
  assertEquals((await Deno.stat(join(dir, "notes", "a.txt"))).size, 600);
  await assertAccounted(quota, dir);
});

Deno.test("quota: files and the folders a write creates count against the file quota", async () => {
  const { env, dir, quota, load } = await withQuota({ bytes: 10_000, files: 3 });
  await using _ = env;
  const files = await load();
  assertEquals((await fs(files, "write", { path: "notes/a.txt", content: "a" })).ok, { size: 1 });
  assertEquals(quota.used, { bytes: 1, files: 2 }, "notes/ and notes/a.txt");
  assertEquals((await fs(files, "write", { path: "notes/b.txt", content: "b" })).ok, { size: 1 });
  assertError(
    await fs(files, "write", { path: "notes/c.txt", content: "c" }),
    "quota exceeded: writing notes/c.txt would bring the data of plugin files to 4 files and folders of 3",
  );
  // A new folder is refused too, and is not left behind.
  assertError(await fs(files, "write", { path: "notes/sub/d.txt", content: "d" }), "5 files");
  await assert.rejects(Deno.lstat(join(dir, "notes", "sub")), Deno.errors.NotFound);
  // Overwriting an existing file adds no file.
  assertEquals((await fs(files, "write", { path: "notes/b.txt", content: "bb" })).ok, { size: 2 });
  await assertAccounted(quota, dir);
});

Deno.test("quota: overwrites, truncations and deletes give their bytes and files back", async () => {
  const { env, dir, quota, load } = await withQuota({ bytes: 1000, files: 10 });
  await using _ = env;
  const files = await load();
  await fs(files, "write", { path: "notes/a.txt", content: "a".repeat(900) });
  // Overwriting with less frees the difference at once.
  await fs(files, "write", { path: "notes/a.txt", content: "a".repeat(100) });
  assertEquals(quota.used, { bytes: 100, files: 2 });
  assertEquals((await fs(files, "write", { path: "notes/b.txt", content: "b".repeat(900) })).ok, {
    size: 900,
  });
  assertError(await fs(files, "write", { path: "notes/c.txt", content: "c" }), "quota exceeded");
  assertEquals(await fs(files, "remove", { path: "notes/b.txt" }), { ok: null });
  assertEquals(quota.used, { bytes: 100, files: 2 });
  await fs(files, "write", { path: "notes/deep/er/c.txt", content: "c".repeat(800) });
  assertEquals(quota.used, { bytes: 900, files: 5 });
  await assertAccounted(quota, dir);
  // A recursive delete gives back everything below the folder, and the folder.
  assertEquals(await fs(files, "remove", { path: "notes/deep", recursive: true }), { ok: null });
  assertEquals(quota.used, { bytes: 100, files: 2 });
  // A failed delete (a folder that is not empty, without recursive) gives nothing back.
  await fs(files, "write", { path: "notes/sub/x.txt", content: "x" });
  assert.ok((await fs(files, "remove", { path: "notes/sub" })).error);
  assertEquals(quota.used, { bytes: 101, files: 4 });
  await assertAccounted(quota, dir);
});

Deno.test("quota: concurrent writes on two instances race for the last bytes; one wins", async () => {
  const { env, dir, quota, load } = await withQuota({ bytes: 1000, files: 100 });
  await using _ = env;
  // Two instances of one plugin share its account, as the plugin manager's spares do.
  const [first, second] = [await load(), await load()];
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(
      [first, second, first, second].map((p, i) =>
        fs(p, "write", { path: `notes/r${round}-${i}.txt`, content: "x".repeat(300) })
      ),
    );
    const won = results.filter((r) => r.ok).length;
    assertEquals(won, round === 0 ? 3 : 0, JSON.stringify(results));
    for (const r of results.filter((r) => r.error)) assertError(r, "quota exceeded");
  }
  assertEquals(quota.used.bytes, 900);
  await assertAccounted(quota, dir);
});

Deno.test("quota: what is on disk when the plugin loads counts; the state file does not", async () => {
  await using env = await pluginEnv();
  const dir = pluginDataDir(env.dataDir, "files");
  await Deno.mkdir(join(dir, "notes", "old"), { recursive: true });
  await Deno.writeTextFile(join(dir, "notes", "old", "a.txt"), "a".repeat(700));
  await Deno.writeTextFile(join(dir, STATE_FILE), "{}".padEnd(5000));
  const quota = await openDataQuota("files", dir, { bytes: 1000, files: 10 });
  assertEquals(quota.used, { bytes: 700, files: 3 });
  const files = await env.load("files", { quota });
  assertError(
    await fs(files, "write", { path: "notes/b.txt", content: "b".repeat(301) }),
    "1001 B",
  );
  assertEquals((await fs(files, "write", { path: "notes/b.txt", content: "b".repeat(300) })).ok, {
    size: 300,
  });
  // The state file's temporary copies are the state's, refused to rungpt:fs.
  assertError(
    await fs(files, "write", { path: `${STATE_FILE}.x.tmp`, content: "x" }),
    "reserved for rungpt:config state",
  );
});

Deno.test("quota ledger: a reservation is checked and taken at once; settling gives back", () => {
  const ledger = new QuotaLedger({
    plugin: "p",
    limits: { bytes: 100, files: 5 },
    used: { bytes: 50, files: 1 },
  });
  const a = ledger.reserve({ bytes: 40, files: 1 }, "writing a");
  assert.throws(() => ledger.reserve({ bytes: 20, files: 0 }, "writing b"), QuotaExceededError);
  // A negative part is not a credit before the space is really freed.
  assert.throws(() => ledger.reserve({ bytes: 20, files: -3 }, "writing b"), /110 B of 100 B/);
  a.settle({ bytes: 10, files: 1 });
  a.settle({ bytes: 99, files: 9 }); // only the first settle counts
  assertEquals(ledger.used, { bytes: 60, files: 2 });
  ledger.reserve({ bytes: 40, files: 3 }, "writing c").settle({ bytes: -60, files: -2 });
  assertEquals(ledger.used, { bytes: 0, files: 0 });
  // A lower quota refuses growth, not changes that shrink or keep the size.
  ledger.setLimits({ bytes: 1, files: 1 });
  ledger.reserve({ bytes: 0, files: 0 }, "deleting d").settle({ bytes: 0, files: 0 });
});

Deno.test("quota sizes: parsed from words, refused when unclear", () => {
  assertEquals(parseSize("500MB"), 500 * 1024 * 1024);
  assertEquals(parseSize("1.5 GB"), 1.5 * 1024 ** 3);
  assertEquals(parseSize("2GiB"), 2 * 1024 ** 3);
  assertEquals(parseSize("4096"), 4096);
  for (const bad of ["1e3", "-5MB", "1.5 parsecs", "", "MB"]) {
    assert.throws(() => parseSize(bad), /is not a size; write it like 500MB/, bad);
  }
  assertEquals(formatSize(100 * 1024 * 1024), "100 MB");
});

Deno.test("quota: a link planted from outside counts as one entry; writes through it are refused", async () => {
  const { env, dir, quota, load } = await withQuota({ bytes: 1000, files: 10 });
  await using _ = env;
  const outside = await Deno.makeTempDir({ prefix: "rungpt-outside-" });
  try {
    await Deno.writeTextFile(join(outside, "big.txt"), "b".repeat(5000));
    await Deno.mkdir(join(dir, "notes"), { recursive: true });
    await Deno.symlink(join(outside, "big.txt"), join(dir, "notes", "link"));
    await Deno.symlink(outside, join(dir, "notes", "out"));
    await quota.remeasure();
    assertEquals(quota.used, { bytes: 0, files: 3 }, "links are not followed");
    const files = await load();
    assertError(await fs(files, "write", { path: "notes/link", content: "x" }), "leads outside");
    assertError(await fs(files, "write", { path: "notes/out/big.txt", content: "x" }), "outside");
    assertEquals(quota.used, { bytes: 0, files: 3 });
    assertEquals(await Deno.readTextFile(join(outside, "big.txt")), "b".repeat(5000));
    assertEquals(await fs(files, "remove", { path: "notes/out" }), { ok: null });
    assertEquals(quota.used, { bytes: 0, files: 2 });
    await assertAccounted(quota, dir);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
