/**
 * The AssemblyScript SDK (sdk/assemblyscript), end to end: a test plugin using every SDK
 * function (sdk/assemblyscript/tests/plugin) is built the way plugin repositories build
 * (SDK vendored into sdk/rungpt/, `buildPlugin`), then run in the real runtime with the real
 * host APIs.
 * @module
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { buildPlugin } from "../../../lib/plugins/authoring/build.ts";
import { SDK_DIR, vendorSdk } from "../../../lib/plugins/authoring/sdk.ts";
import { createDefaultRegistry } from "../../../lib/plugins/host/mod.ts";
import type { LogEntry } from "../../../lib/plugins/registry.ts";
import { callAction, loadPlugin, PluginError } from "../../../lib/plugins/runtime.ts";
import { parseManifest } from "../../../lib/plugins/manifest.ts";
import { buildFixture, fixtureManifest } from "../../support/wasm_fixtures.ts";

function assertStringIncludes(actual: string, expected: string): void {
  assert.ok(
    actual.includes(expected),
    `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

const PLUGIN_SRC = join(SDK_DIR, "tests", "plugin");

async function buildTestPlugin(): Promise<{ dir: string; wasm: Uint8Array }> {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-sdk-" });
  await Deno.mkdir(join(dir, "assembly"));
  for (const f of ["rungpt.yaml", "asconfig.json", "assembly/index.ts"]) {
    await Deno.copyFile(join(PLUGIN_SRC, f), join(dir, f));
  }
  await vendorSdk(dir);
  const { wasm } = await buildPlugin(dir);
  return { dir, wasm };
}

Deno.test("AssemblyScript SDK: every function through the real runtime", async (t) => {
  const { dir, wasm } = await buildTestPlugin();
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-sdk-data-" });
  const logs: LogEntry[] = [];
  const seen: { method: string; header: string | null; body: string }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      seen.push({
        method: req.method,
        header: req.headers.get("x-test"),
        body: await req.text(),
      });
      return new Response("pong", {
        status: 201,
        headers: { "x-echo-method": req.method },
      });
    },
  );
  const manifest = parseManifest(
    await Deno.readTextFile(join(dir, "rungpt.yaml")),
  );
  const registry = createDefaultRegistry();
  const plugin = await loadPlugin({
    wasm,
    manifest,
    grants: { apis: manifest.apis, allowPrivateNetwork: true },
    dataDir,
    registry,
    config: { units: "imperial", token: "s3cret" },
    onLog: (e) => logs.push(e),
  });
  const call = async (fn: string, input: unknown) =>
    await callAction(
      plugin,
      fn,
      typeof input === "string" ? input : JSON.stringify(input),
    );
  try {
    await t.step(
      "JSON round trip keeps strings, escapes, numbers and nesting",
      async () => {
        const doc = {
          s: 'quote " backslash \\ newline \n tab \t ctrl \u0001 é 𝄞 \u2028',
          n: [0, -1, 1.5, 1e21, -0.25, 123456789012],
          b: [true, false, null],
          o: { nested: { deep: [[], {}] } },
          dup: 1,
        };
        assertEquals(JSON.parse(await call("echo_json", doc)), doc);
        assertEquals(await call("echo_json", '{"a":1,"a":2}'), '{"a":2}');
        assertEquals(
          JSON.parse(await call("echo_json", '"\\ud834\\udd1e"')),
          "𝄞",
        );
      },
    );
    await t.step(
      "invalid JSON fails with the reason and position",
      async () => {
        for (
          const [bad, why] of [
            ["{", "expected a string key at position 1"],
            [" ", "unexpected end of input"],
            ['{"a":1,}', "expected a string key"],
            ["[1 2]", "expected , or ]"],
            ["01", "leading zero"],
            ['"\\x"', "invalid escape"],
            ["nul", "unexpected token"],
            ["1 2", "unexpected text after the value"],
            ["[".repeat(300), "nested too deeply"],
          ]
        ) {
          const err = await call("echo_json", bad).then(() => null, (e) => e);
          assert(
            err instanceof PluginError && err.kind === "plugin_error",
            `${bad}: ${err}`,
          );
          assertStringIncludes(err.message, "invalid JSON: ");
          assertStringIncludes(err.message, why);
        }
      },
    );
    await t.step(
      "typed members with fallbacks; non-object arguments refused",
      async () => {
        assertEquals(
          JSON.parse(
            await call("members", { s: "x", n: 2.5, b: true, list: [7] }),
          ),
          {
            s: "x",
            n: 2.5,
            b: true,
            has_list: true,
            list_length: 1,
            first: 7,
          },
        );
        assertEquals(JSON.parse(await call("members", "")), {
          s: "default",
          n: -1,
          b: false,
          has_list: false,
          list_length: -1,
          first: null,
        });
        const err = await call("members", "[1]").catch((e) => e);
        assertStringIncludes(
          err.message,
          ": the arguments must be a JSON object",
        );
      },
    );
    await t.step("fail() becomes the action's error message", async () => {
      const err = await call("fail_with", { message: "no such city: Atlantis" })
        .catch((e) => e);
      assert(err instanceof PluginError);
      assertEquals([err.kind, err.message], [
        "plugin_error",
        "plugin sdk-test: no such city: Atlantis",
      ]);
    });
    await t.step("settings: user values over defaults, secrets", async () => {
      assertEquals(JSON.parse(await call("settings", "")), {
        units: "imperial",
        limit: 3,
        verbose: false,
        token: "s3cret",
      });
    });
    await t.step("state: set, get, keys, delete, missing is null", async () => {
      assertEquals(JSON.parse(await call("state", "")), {
        counter: 42,
        keys: ["counter"],
        missing_is_null: true,
      });
    });
    await t.step(
      "fs: write, append, read, list, delete; escapes refused",
      async () => {
        const out = JSON.parse(await call("files", ""));
        assertEquals(out.text, "héllo wörld");
        assertEquals(out.entries, ["a.txt:file"]);
        assertEquals(out.escape_refused, true);
        assertStringIncludes(out.escape_error, '".."');
        const left = [...Deno.readDirSync(join(dataDir, "plugins", "sdk-test"))]
          .map((e) => e.name);
        assertEquals(left, [".rungpt-state.json"]);
      },
    );
    await t.step("net: method, headers and body reach the server", async () => {
      const url = `http://127.0.0.1:${server.addr.port}/x`;
      const out = JSON.parse(
        await call("fetch", { url, method: "POST", body: "hi" }),
      );
      assertEquals(out, { status: 201, body: "pong", method: "POST" });
      assertEquals(seen.at(-1), { method: "POST", header: "sdk", body: "hi" });
      const err = await call("fetch", { url: "http://example.com/" }).catch((
        e,
      ) => e);
      assertStringIncludes(err.message, "host example.com is not allowed");
    });
    await t.step("bytes: write, append and read files that are not text", async () => {
      assertEquals(JSON.parse(await call("bytes", "")), {
        bytes: [0x00, 0xff, 0xfe, 0x80, 0x7f],
        missing_is_null: true,
        missing_error: "missing.bin: no such file",
      });
      const file = join(dataDir, "plugins", "sdk-test", "blob.bin");
      assertEquals([...await Deno.readFile(file)], [0x00, 0xff, 0xfe, 0x80, 0x7f]);
      await Deno.remove(file);
    });
    await t.step("callApi: a plugin-provided API, and a clear error without it", async () => {
      const missing = await call("api_call", "world").catch((e) => e);
      assert(missing instanceof PluginError && missing.kind === "plugin_error", `${missing}`);
      assertStringIncludes(missing.message, "API provider:greet is not available");
      const provider = await loadPlugin({
        wasm: await buildFixture("provider"),
        manifest: await fixtureManifest("provider"),
        grants: { apis: [] },
        dataDir,
        registry,
      });
      try {
        assertEquals(await call("api_call", "world"), "hello, world");
      } finally {
        await provider.close();
      }
    });
    await t.step("setLastError sets lastError()", async () => {
      const err = await call("own_error", "").catch((e) => e);
      assertEquals(err.message, "plugin sdk-test: my own reason");
    });
    await t.step("log lines reach the host with their level", async () => {
      assertEquals(await call("logs", ""), "logged");
      const mine = logs.filter((l) => l.plugin === "sdk-test").map((
        l,
      ) => [l.level, l.message]);
      assertEquals(mine.slice(-2), [["info", "hello from the sdk"], [
        "warn",
        "careful",
      ]]);
    });
    await t.step(
      "base64 both ways, with a clear error for bad input",
      async () => {
        const ok = JSON.parse(
          await call("b64", { text: "héllo 𝄞", decode: "aMOpbGxvIPCdhJ4=" }),
        );
        assertEquals(ok, {
          encoded: btoa("h\u00c3\u00a9llo \u00f0\u009d\u0084\u009e"),
          decoded: "héllo 𝄞",
          error: "",
        });
        const bad = JSON.parse(await call("b64", { text: "", decode: "ab$d" }));
        assertEquals(bad.decoded, null);
        assertStringIncludes(
          bad.error,
          "unexpected character '$' at position 2",
        );
        const notUtf8 = JSON.parse(
          await call("b64", { text: "", decode: "/w==" }),
        );
        assertStringIncludes(notUtf8.error, "not valid UTF-8");
      },
    );
  } finally {
    await plugin.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("AssemblyScript SDK: a plugin links only the host APIs it uses", async () => {
  const { dir, wasm } = await buildTestPlugin();
  try {
    // Every function is exported here, so every API is linked; the runtime refuses the module
    // when the manifest drops one of them, naming the import.
    const imports = WebAssembly.Module.imports(
      new WebAssembly.Module(wasm as BufferSource),
    );
    const modules = new Set(imports.map((i) => i.module));
    assertEquals([...modules].sort(), [
      "extism:host/env",
      "provider:greet",
      "rungpt:config",
      "rungpt:fs",
      "rungpt:log",
      "rungpt:net",
    ]);
    // A plugin using only input/output links nothing but the Extism kernel.
    const src = join(dir, "assembly", "index.ts");
    await Deno.writeTextFile(
      src,
      'import { input, output } from "../sdk/rungpt";\nexport function plain(): i32 { return output(input()); }\n',
    );
    const { wasm: small } = await buildPlugin(dir, { dryRun: true });
    const smallImports = WebAssembly.Module.imports(
      new WebAssembly.Module(small as BufferSource),
    );
    assertEquals(
      new Set(smallImports.map((i) => i.module)),
      new Set(["extism:host/env"]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AssemblyScript SDK: the README documents every export, with links that work in copies", async () => {
  const readme = await Deno.readTextFile(join(SDK_DIR, "README.md"));
  const index = await Deno.readTextFile(join(SDK_DIR, "assembly", "index.ts"));
  const names = [
    ...[...index.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1].split(",")),
    ...[...index.matchAll(/^export function (\w+)/gm)].map((m) => m[1]),
  ].map((n) => n.trim()).filter(Boolean);
  assert(names.length > 50, `${names.length} exports found`);
  for (const name of names) {
    assert(new RegExp("`[^`\\n]*\\b" + name + "\\b").test(readme), `${name} is not in the README`);
  }
  // The README is also every plugin repository's sdk/rungpt/README.md: no relative links.
  const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1])
    .filter((href) => !/^(https?:|#)/.test(href));
  assertEquals(relative, []);
});
