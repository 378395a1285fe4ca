/**
 * The C example plugin, examples/plugins/checksum: its committed plugin.wasm is exactly what
 * its build.sh produces with clang; its own plugin_test.ts passes; it runs in rungpt's sandbox (checksums against known
 * values, the setting read through rungpt:config, log lines through rungpt:log, clear errors);
 * and, installed with `deno task install-plugin` from a local bare git repository, the scripted
 * model calls it in a chat turn in tag mode and in native mode and gets its result back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createGitFixtures, type FileMap } from "../support/git_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, startScriptedModel } from "../support/scripted_model.ts";
import { loadManifest } from "../../lib/plugins/manifest.ts";
import { callAction, loadPlugin, PluginError } from "../../lib/plugins/runtime.ts";
import type { LogEntry } from "../../lib/plugins/registry.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "examples/plugins/checksum");
const HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

/** Whether clang and wasm-ld can be run (CI installs both; see .ci/run). */
async function haveClang(): Promise<boolean> {
  for (const tool of ["clang", "wasm-ld"]) {
    try {
      const { success } = await new Deno.Command(tool, { args: ["--version"], stdout: "null" })
        .output();
      if (!success) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const clang = await haveClang();

Deno.test({
  name: clang
    ? "checksum (C): the committed plugin.wasm is what build.sh builds from src/"
    : "checksum (C): plugin.wasm up to date — SKIPPED: clang or wasm-ld not found " +
      "(install Debian's clang and lld)",
  ignore: !clang,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "rungpt-c-build-" });
    try {
      const built = join(out, "plugin.wasm");
      const res = await new Deno.Command("sh", {
        args: [join(EXAMPLE, "build.sh"), built],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(res.success, `build.sh failed: ${new TextDecoder().decode(res.stderr)}`);
      const fresh = await Deno.readFile(built);
      const committed = await Deno.readFile(join(EXAMPLE, "plugin.wasm"));
      assert.equal(fresh.length, committed.length, "plugin.wasm is stale: run ./build.sh");
      assert(fresh.every((b, i) => b === committed[i]), "plugin.wasm is stale: run ./build.sh");
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

/** Loads the committed module straight into the runtime, with optional settings. */
async function loadExample(dataDir: string, logs: LogEntry[], config = {}) {
  const manifest = await loadManifest(EXAMPLE);
  return await loadPlugin({
    wasm: await Deno.readFile(join(EXAMPLE, "plugin.wasm")),
    manifest,
    grants: { apis: manifest.apis },
    dataDir,
    config,
    onLog: (e) => logs.push(e),
  });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("checksum (C): actions run in the sandbox with host APIs and clear errors", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-c-data-" });
  const logs: LogEntry[] = [];
  const plugin = await loadExample(dataDir, logs);
  const call = async (action: string, args: unknown) =>
    JSON.parse(await callAction(plugin, action, JSON.stringify(args)));
  try {
    await t.step("digest matches known values for every algorithm", async () => {
      assert.deepEqual(await call("digest", { text: "hello", algorithm: "all" }), {
        bytes: 5,
        crc32: "3610a686",
        fnv1a32: "4f9f2cab",
        sha256: HELLO_SHA256,
      });
      // Check value of CRC-32 and FNV-1a, and multi-block SHA-256 against WebCrypto.
      assert.equal(
        (await call("digest", { text: "123456789", algorithm: "crc32" })).hex,
        "cbf43926",
      );
      assert.equal((await call("digest", { text: "", algorithm: "fnv1a32" })).hex, "811c9dc5");
      for (const n of [0, 55, 56, 63, 64, 65, 1000]) {
        const text = "a".repeat(n);
        const got = await call("digest", { text, algorithm: "sha256" });
        assert.deepEqual(got, { algorithm: "sha256", bytes: n, hex: await sha256Hex(text) });
      }
      // JSON escapes, including a surrogate pair, decode to the right UTF-8 bytes.
      const text = 'h\u00e9llo "q" \\ \n\t\u{1F600}';
      assert.deepEqual(await call("digest", { text, algorithm: "sha256" }), {
        algorithm: "sha256",
        bytes: new TextEncoder().encode(text).length,
        hex: await sha256Hex(text),
      });
    });

    await t.step(
      "without an algorithm, digest uses the setting read via rungpt:config",
      async () => {
        assert.equal((await call("digest", { text: "hello" })).algorithm, "sha256");
        const logs2: LogEntry[] = [];
        const crc = await loadExample(dataDir, logs2, { default_algorithm: "crc32" });
        try {
          const out = JSON.parse(await callAction(crc, "digest", '{"text":"hello"}'));
          assert.deepEqual(out, { algorithm: "crc32", bytes: 5, hex: "3610a686" });
        } finally {
          await crc.close();
        }
      },
    );

    await t.step("hexdump prints what `hexdump -C` prints and says when it cut", async () => {
      const out = await callAction(plugin, "hexdump", JSON.stringify({ text: "Hello, world!\n" }));
      assert.equal(
        out,
        "00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a        |Hello, world!.|\n" +
          "14 bytes\n",
      );
      const cut = await callAction(plugin, "hexdump", '{"text":"abcdef","max_bytes":2}');
      assert.match(cut, /\|ab\|\n6 bytes, first 2 shown\n$/);
    });

    await t.step("every call logs through rungpt:log", () => {
      assert(logs.some((e) => e.level === "info" && e.message === "digest all of 5 bytes"));
      assert(logs.some((e) => e.message === "hexdump of 14 bytes"));
    });

    await t.step("bad arguments fail with the plugin's own message", async () => {
      const cases: [string, string, RegExp][] = [
        ["digest", '{"text":5}', /digest: "text" must be a string/],
        ["digest", "not json", /digest: the arguments must be a JSON object/],
        ["digest", '{"text":"x","algorithm":"md5"}', /must be one of crc32, fnv1a32/],
        ["hexdump", '{"text":"x","max_bytes":1.5}', /"max_bytes" must be an integer from 1/],
        ["hexdump", '{"text":"x","max_bytes":5000}', /from 1 to 4096/],
      ];
      for (const [action, input, message] of cases) {
        await assert.rejects(callAction(plugin, action, input), (e: unknown) => {
          assert(e instanceof PluginError);
          assert.equal(e.kind, "plugin_error");
          assert.match(e.message, message);
          return true;
        });
      }
      // The instance survives its errors.
      assert.equal(
        (await call("digest", { text: "hello", algorithm: "sha256" })).hex,
        HELLO_SHA256,
      );
    });
  } finally {
    await plugin.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Every file of the example, as committed to its own repository (build output included). */
async function exampleFiles(dir = EXAMPLE, prefix = ""): Promise<FileMap> {
  const files: FileMap = {};
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) Object.assign(files, await exampleFiles(join(dir, e.name), `${rel}/`));
    else if (e.isFile) files[rel] = await Deno.readFile(join(dir, e.name));
  }
  return files;
}

/** Runs `deno task install-plugin …` as a user would, into the server's plugins dir. */
async function installWithTask(rg: TestRungpt, gitBase: string): Promise<string> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "install-plugin", "examples/checksum", "--yes"],
    cwd: ROOT,
    env: {
      RUNGPT_GIT_BASE: gitBase,
      RUNGPT_PLUGINS_DIR: rg.pluginsDir,
      RUNGPT_DATA_DIR: rg.dataDir,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  assert(res.success, `install-plugin failed:\n${text}`);
  return text;
}

/** Posts a user message and waits until the turn has ended. */
async function chat(rg: TestRungpt, content: string): Promise<void> {
  const conv = await rg.api("/api/conversations", { method: "POST", json: {} });
  assert.equal(conv.status, 201);
  const { id } = await conv.json();
  const sent = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content },
  });
  assert.equal(sent.status, 202, await sent.clone().text());
  await sent.body?.cancel();
  // The events stream ends when the turn is over (or right away if it already is).
  await (await rg.api(`/api/conversations/${id}/events`)).text();
}

async function setMode(rg: TestRungpt, actionMode: "tags" | "native"): Promise<void> {
  const res = await rg.api("/api/settings", { method: "PUT", json: { actionMode } });
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
}

/** The text of every message of a recorded request, for assertions. */
function messagesText(req: RecordedRequest): string {
  return JSON.stringify(req.body.messages);
}

Deno.test("checksum (C): installed from git with the task, called by the model in tags and native mode", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("examples", "checksum");
  await repo.commit(await exampleFiles(), { tags: ["v1.0.0"] });
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model, env: { RUNGPT_GIT_BASE: git.base } });

  const output = await installWithTask(rg, git.base);
  assert.match(output, /installed checksum 1\.0\.0 \(v1\.0\.0, [0-9a-f]{12}\)/);
  assert.match(output, /APIs: +rungpt:config, rungpt:log/);

  // Tag mode: the model writes an action tag; the result goes back in the next request.
  await setMode(rg, "tags");
  model.enqueue(
    {
      text: 'Let me compute it.\n<action name="checksum.digest">' +
        '{"text":"hello","algorithm":"all"}</action>',
      chunkSize: 7,
    },
    { text: "The SHA-256 of hello is 2cf24dba…" },
  );
  await chat(rg, "What are the checksums of 'hello'?");
  let requests = model.chatRequests();
  assert.equal(requests.length, 2);
  assert.match(messagesText(requests[0]), /checksum\.digest/, "the action is offered");
  const tagResult = requests[1].body.messages.at(-1);
  assert.equal(tagResult.role, "user");
  assert.match(tagResult.content, /<action_result name="checksum\.digest">/);
  assert(tagResult.content.includes(`"sha256":"${HELLO_SHA256}"`), tagResult.content);
  assert(tagResult.content.includes('"crc32":"3610a686"'), tagResult.content);

  // Native mode: a tool call; the setting (changed through the API) picks the algorithm.
  const cfg = await rg.api("/api/plugins/checksum/config", {
    method: "PUT",
    json: { values: { default_algorithm: "crc32" } },
  });
  assert.equal(cfg.status, 200, await cfg.clone().text());
  await cfg.body?.cancel();
  await setMode(rg, "native");
  model.enqueue(
    { toolCalls: [{ name: "checksum__hexdump", arguments: '{"text":"Hi!"}', id: "call_hex" }] },
    { toolCalls: [{ name: "checksum__digest", arguments: '{"text":"hello"}', id: "call_sum" }] },
    { text: "Done." },
  );
  await chat(rg, "Dump and checksum.");
  requests = model.chatRequests().slice(2);
  assert.equal(requests.length, 3);
  const tools = requests[0].body.tools.map((t: { function: { name: string } }) => t.function.name);
  assert.deepEqual(tools.sort(), ["checksum__digest", "checksum__hexdump"]);
  const hexResult = requests[1].body.messages.at(-1);
  assert.equal(hexResult.role, "tool");
  assert.equal(hexResult.tool_call_id, "call_hex");
  assert.match(hexResult.content, /^00000000 {2}48 69 21 +\|Hi!\|\n3 bytes\n$/);
  const sumResult = requests[2].body.messages.at(-1);
  assert.equal(sumResult.tool_call_id, "call_sum");
  assert(sumResult.content.includes('{"algorithm":"crc32","bytes":5,"hex":"3610a686"}'));
});
