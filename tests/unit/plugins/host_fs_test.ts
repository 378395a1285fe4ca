import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { pluginEnv } from "../../support/plugin_runtime.ts";
import { callAction, type LoadedPlugin } from "../../../lib/plugins/runtime.ts";

async function fs(plugin: LoadedPlugin, fn: string, req: unknown) {
  return JSON.parse(await callAction(plugin, fn, JSON.stringify(req)));
}

function assertError(envelope: { error?: string }, part: string) {
  assert.ok(
    envelope.error?.includes(part),
    `expected an error with ${part}: ${JSON.stringify(envelope)}`,
  );
}

Deno.test("rungpt:fs reads, writes, lists and deletes inside declared paths", async () => {
  await using env = await pluginEnv();
  const files = await env.load("files");
  assertEquals(await fs(files, "write", { path: "notes/a/b.txt", content: "héllo" }), {
    ok: { size: 6 },
  });
  assertEquals(await fs(files, "write", { path: "notes/a/b.txt", content: "!", append: true }), {
    ok: { size: 7 },
  });
  assertEquals(await fs(files, "read", { path: "notes/a/b.txt" }), {
    ok: { content: "héllo!", encoding: "utf8", size: 7 },
  });
  assertEquals(
    await Deno.readTextFile(join(env.dataDir, "plugins", "files", "notes", "a", "b.txt")),
    "héllo!",
  );
  assertEquals(await fs(files, "read", { path: "notes/a/b.txt", encoding: "base64" }), {
    ok: { content: btoa("h\u00c3\u00a9llo!"), encoding: "base64", size: 7 },
  });
  assertEquals(await fs(files, "list", { path: "notes" }), {
    ok: {
      entries: [{
        name: "a",
        type: "dir",
        size: (await Deno.stat(join(files.dir, "notes", "a"))).size,
      }],
    },
  });
  assertEquals(await fs(files, "remove", { path: "notes/a/b.txt" }), { ok: null });
  assertError(await fs(files, "read", { path: "notes/a/b.txt" }), "no such file");
  assertEquals(await fs(files, "remove", { path: "notes/a" }), { ok: null });
  assertEquals([...Deno.readDirSync(join(files.dir, "notes"))], []);
});

Deno.test("rungpt:fs enforces declared access", async () => {
  await using env = await pluginEnv();
  const files = await env.load("files");
  await Deno.mkdir(join(files.dir, "docs"), { recursive: true });
  await Deno.mkdir(join(files.dir, "notes"), { recursive: true });
  await Deno.writeTextFile(join(files.dir, "docs", "guide.md"), "# guide");
  await Deno.writeTextFile(join(files.dir, "top.txt"), "top");
  assertEquals((await fs(files, "read", { path: "docs/guide.md" })).ok.content, "# guide");
  assertError(await fs(files, "write", { path: "docs/guide.md", content: "x" }), "read-only");
  assertError(await fs(files, "remove", { path: "docs/guide.md" }), "read-only");
  assertError(
    await fs(files, "read", { path: "top.txt" }),
    "outside the paths rungpt.yaml declares",
  );
  assertError(await fs(files, "list", {}), "outside the paths");
  assertError(await fs(files, "remove", { path: "notes" }), "cannot be deleted");
  assertEquals(await Deno.readTextFile(join(files.dir, "docs", "guide.md")), "# guide");
});

Deno.test("rungpt:fs refuses .., absolute paths and symlink escapes", async () => {
  await using env = await pluginEnv();
  const files = await env.load("files");
  const outside = await Deno.makeTempDir({ prefix: "rungpt-outside-" });
  try {
    await Deno.writeTextFile(join(outside, "secret.txt"), "top secret");
    await Deno.mkdir(join(files.dir, "notes"), { recursive: true });
    assertError(await fs(files, "read", { path: "notes/../../x" }), '".."');
    assertError(await fs(files, "write", { path: "notes/../escape.txt", content: "x" }), '".."');
    assertError(await fs(files, "read", { path: join(outside, "secret.txt") }), "absolute");
    assertError(await fs(files, "read", { path: "notes\\..\\x" }), "backslash");
    // Symlinks planted from outside: to a file, to a directory, and a dangling one.
    await Deno.symlink(join(outside, "secret.txt"), join(files.dir, "notes", "link.txt"));
    await Deno.symlink(outside, join(files.dir, "notes", "dir"));
    await Deno.symlink(join(outside, "new.txt"), join(files.dir, "notes", "dangling.txt"));
    assertError(await fs(files, "read", { path: "notes/link.txt" }), "symlink");
    assertError(await fs(files, "write", { path: "notes/link.txt", content: "pwned" }), "symlink");
    assertError(await fs(files, "read", { path: "notes/dir/secret.txt" }), "outside");
    assertError(await fs(files, "write", { path: "notes/dir/new.txt", content: "x" }), "outside");
    assertError(await fs(files, "list", { path: "notes/dir" }), "outside");
    assertError(await fs(files, "write", { path: "notes/dangling.txt", content: "x" }), "symlink");
    // A whole declared subpath that is a link out.
    await Deno.symlink(outside, join(files.dir, "docs"));
    assertError(await fs(files, "read", { path: "docs/secret.txt" }), "outside");
    // Deleting a link removes the link, never its target.
    assertEquals(await fs(files, "remove", { path: "notes/link.txt" }), { ok: null });
    assertEquals(await Deno.readTextFile(join(outside, "secret.txt")), "top secret");
    assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["secret.txt"]);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("rungpt:fs caps file sizes and protects the state file", async () => {
  await using env = await pluginEnv();
  const files = await env.load("files", { limits: { fileBytes: 10 } });
  assertError(await fs(files, "write", { path: "notes/big", content: "x".repeat(11) }), "limit");
  assertEquals(await fs(files, "write", { path: "notes/ok", content: "x".repeat(10) }), {
    ok: { size: 10 },
  });
  assertError(await fs(files, "write", { path: "notes/ok", content: "y", append: true }), "limit");
  await Deno.writeTextFile(join(files.dir, "notes", "huge"), "z".repeat(100));
  assertError(await fs(files, "read", { path: "notes/huge" }), "limit");
  const whole = await env.load("files", {
    manifest: { name: "whole", permissions: {} },
  });
  assertEquals((await fs(whole, "write", { path: "top.txt", content: "ok" })).ok, { size: 2 });
  assertError(await fs(whole, "read", { path: ".rungpt-state.json" }), "reserved");
  assertError(await fs(files, "read", { path: "" }), "outside the paths");
});
