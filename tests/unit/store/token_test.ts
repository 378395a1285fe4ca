import assert from "node:assert/strict";
import { join } from "node:path";
import {
  API_TOKEN_FILE,
  generateApiToken,
  loadOrCreateApiToken,
  tokensEqual,
} from "../../../lib/store/token.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generated tokens: rgt_ + 43 base64url characters, all different", () => {
  const a = generateApiToken();
  assert.match(a, /^rgt_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, generateApiToken());
});

Deno.test("RUNGPT_API_TOKEN wins and nothing is written", () =>
  withDir(async (dir) => {
    const token = await loadOrCreateApiToken(dir, { RUNGPT_API_TOKEN: "my-own-token-123456" });
    assert.equal(token, "my-own-token-123456");
    await assert.rejects(() => Deno.stat(join(dir, API_TOKEN_FILE)), Deno.errors.NotFound);
    await assert.rejects(
      () => loadOrCreateApiToken(dir, { RUNGPT_API_TOKEN: "short" }),
      /RUNGPT_API_TOKEN must be/,
    );
  }));

Deno.test("a generated token is persisted with mode 0600 and stable across calls", () =>
  withDir(async (dir) => {
    const first = await loadOrCreateApiToken(dir, {});
    assert.match(first, /^rgt_/);
    const file = join(dir, API_TOKEN_FILE);
    assert.equal((await Deno.readTextFile(file)).trim(), first);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal(await loadOrCreateApiToken(dir, {}), first);
    // No temporary files left behind.
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, [API_TOKEN_FILE]);
  }));

Deno.test("concurrent first calls agree on one token", () =>
  withDir(async (dir) => {
    const tokens = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateApiToken(dir, {})),
    );
    assert.equal(new Set(tokens).size, 1);
  }));

Deno.test("an existing token file is used; an empty one is replaced; a malformed one errors", () =>
  withDir(async (dir) => {
    const file = join(dir, API_TOKEN_FILE);
    await Deno.writeTextFile(file, "rgt_handwritten_token_value\n");
    assert.equal(await loadOrCreateApiToken(dir, {}), "rgt_handwritten_token_value");

    await Deno.writeTextFile(file, "");
    const fresh = await loadOrCreateApiToken(dir, {});
    assert.match(fresh, /^rgt_/);
    assert.equal((await Deno.readTextFile(file)).trim(), fresh);

    await Deno.writeTextFile(file, "has spaces in it, not a token");
    await assert.rejects(() => loadOrCreateApiToken(dir, {}), (e: Error) => {
      assert.match(e.message, /malformed/);
      assert.ok(e.message.includes(file));
      return true;
    });
  }));

Deno.test("tokensEqual compares exactly", () => {
  const t = generateApiToken();
  assert.equal(tokensEqual(t, t), true);
  assert.equal(tokensEqual(t, t.slice(0, -1)), false);
  assert.equal(tokensEqual(t, t + "x"), false);
  assert.equal(tokensEqual(t, t.slice(0, -1) + (t.endsWith("A") ? "B" : "A")), false);
  assert.equal(tokensEqual("", ""), true);
  assert.equal(tokensEqual("", "a"), false);
  assert.equal(tokensEqual("é", "e\u0301"), false);
});

Deno.test("a missing data dir is created (mode 0700) before the token is written", () =>
  withDir(async (parent) => {
    const dir = join(parent, "fresh", "rungpt");
    const token = await loadOrCreateApiToken(dir, {});
    assert.equal((await Deno.readTextFile(join(dir, API_TOKEN_FILE))).trim(), token);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  }));

Deno.test("token: a file over 4 KiB is refused, naming it", () =>
  withDir(async (dir) => {
    const file = join(dir, API_TOKEN_FILE);
    await Deno.writeTextFile(file, "rgt_handwritten_token_value" + " ".repeat(4096));
    await assert.rejects(() => loadOrCreateApiToken(dir, {}), (e: Error) => {
      assert.equal(e.name, "TokenError");
      assert.match(e.message, /is larger than 4096 bytes, so it holds no token; delete it/);
      assert.ok(e.message.includes(file));
      return true;
    });
    await Deno.writeTextFile(file, "rgt_handwritten_token_value" + " ".repeat(4000));
    assert.equal(await loadOrCreateApiToken(dir, {}), "rgt_handwritten_token_value");
  }));
