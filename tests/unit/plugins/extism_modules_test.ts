/**
 * Modules rungpt did not build: Extism's own test modules (tests/fixtures/extism, see its
 * README), run unmodified under a rungpt.yaml.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import {
  actionInput,
  loadManifest,
  type Manifest,
  parseManifest,
} from "../../../lib/plugins/manifest.ts";
import {
  callAction,
  checkLoadable,
  type LoadedPlugin,
  loadPlugin,
} from "../../../lib/plugins/runtime.ts";
import { installPlugin } from "../../../lib/plugins/install.ts";
import { createPluginManager } from "../../../lib/plugins/manager.ts";
import { buildWasm, createGitFixtures } from "../../support/git_fixtures.ts";
import { createDefaultRegistry } from "../../../lib/plugins/host/mod.ts";
import type { Grants, LogEntry, PluginLimits } from "../../../lib/plugins/registry.ts";
import { runPluginAction } from "../../../lib/plugins/authoring/run.ts";
import { rejectsKind } from "../../support/plugin_runtime.ts";

const FIXTURES = join(import.meta.dirname!, "..", "..", "fixtures", "extism");

interface LoadOptions {
  manifest?: Partial<Manifest>;
  grants?: Grants;
  config?: Record<string, string>;
  limits?: Partial<PluginLimits>;
}

interface ExtismEnv extends AsyncDisposable {
  logs: LogEntry[];
  load(name: string, opts?: LoadOptions): Promise<{
    plugin: LoadedPlugin;
    manifest: Manifest;
  }>;
}

async function extismEnv(): Promise<ExtismEnv> {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-extism-" });
  const registry = createDefaultRegistry();
  const loaded: LoadedPlugin[] = [];
  const logs: LogEntry[] = [];
  return {
    logs,
    async load(name, opts = {}) {
      const dir = join(FIXTURES, name);
      const manifest = { ...await loadManifest(dir), ...opts.manifest } as Manifest;
      const plugin = await loadPlugin({
        wasm: await Deno.readFile(join(dir, manifest.wasm)),
        manifest,
        grants: opts.grants ?? { apis: manifest.apis },
        dataDir,
        registry,
        config: opts.config,
        limits: opts.limits,
        onLog: (e) => logs.push(e),
      });
      loaded.push(plugin);
      return { plugin, manifest };
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(loaded.map((p) => p.close()));
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Calls `action` the way a chat turn does: its arguments JSON, turned into the export's input. */
function callAs(plugin: LoadedPlugin, manifest: Manifest, action: string, args: unknown) {
  const spec = manifest.actions.find((a) => a.name === action)!;
  return callAction(plugin, spec.export ?? spec.name, actionInput(spec, JSON.stringify(args)));
}

Deno.test("extism count_vowels: input text passes the raw text, config and vars work", async () => {
  await using env = await extismEnv();
  const { plugin, manifest } = await env.load("count-vowels");
  const first = JSON.parse(await callAs(plugin, manifest, "count_vowels", { text: "Hello World" }));
  // The vowels of "Hello World", not of '{"text":"Hello World"}' (which has two more: e, x…).
  assertEquals(first, { count: 3, total: 3, vowels: "aeiouAEIOU" });
  // Its var "total" persists across calls on the plugin.
  const second = JSON.parse(await callAs(plugin, manifest, "count_vowels", { text: "aaa" }));
  assertEquals(second, { count: 3, total: 6, vowels: "aeiouAEIOU" });
});

Deno.test("extism count_vowels: a declared setting reaches config_get", async () => {
  await using env = await extismEnv();
  const { plugin, manifest } = await env.load("count-vowels", { config: { vowels: "o" } });
  const out = JSON.parse(await callAs(plugin, manifest, "count_vowels", { text: "Hello World" }));
  assertEquals(out, { count: 2, total: 2, vowels: "o" });
});

/** A 127.0.0.1 server: /hello answers with a header, /to?url= redirects. */
function startServer(): Deno.HttpServer<Deno.NetAddr> & { paths: string[] } {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    paths.push(url.pathname);
    if (url.pathname === "/to") {
      return new Response(null, {
        status: 302,
        headers: { location: url.searchParams.get("url")! },
      });
    }
    if (url.pathname === "/big") {
      return new Response("b".repeat(5000), { headers: { "x-test": "big" } });
    }
    return new Response("hi", { headers: { "x-test": "hello" } });
  });
  return Object.assign(server, { paths });
}

function localHost(port: number): Partial<Manifest> {
  return { permissions: { net: { hosts: [`127.0.0.1:${port}`] } } };
}

Deno.test("extism http_request: an unmodified Extism http plugin fetches from an allowed host", async () => {
  await using env = await extismEnv();
  await using server = startServer();
  const port = server.addr.port;
  const { plugin, manifest } = await env.load("http-headers", {
    manifest: localHost(port),
    grants: { apis: [], allowPrivateNetwork: true },
  });
  const url = `http://127.0.0.1:${port}/hello`;
  const headers = JSON.parse(await callAs(plugin, manifest, "response_headers", { url }));
  assertEquals(headers["x-test"], "hello");
  assertEquals(server.paths, ["/hello"]);
});

Deno.test("extism http_request: hosts not allowed, private addresses and redirects are refused", async () => {
  await using env = await extismEnv();
  await using server = startServer();
  const port = server.addr.port;
  const { plugin, manifest } = await env.load("http-headers", {
    manifest: localHost(port),
    grants: { apis: [], allowPrivateNetwork: true },
  });
  const call = (url: string) => callAs(plugin, manifest, "response_headers", { url });
  await rejectsKind(
    call(`http://localhost:${port}/hello`),
    "denied",
    `http_request refused: request to http://localhost:${port}/hello: host localhost:${port} is not allowed (allowed: 127.0.0.1:${port})`,
  );
  const away = encodeURIComponent(`http://localhost:${port}/hello`);
  await rejectsKind(call(`http://127.0.0.1:${port}/to?url=${away}`), "denied", "is not allowed");
  assertEquals(server.paths, ["/to"]);
  // The instance the refusal ended is replaced: the plugin still works.
  const headers = JSON.parse(await call(`http://127.0.0.1:${port}/hello`));
  assertEquals(headers["x-test"], "hello");
  assert.ok(
    env.logs.some((l) => l.level === "error" && l.message.includes("http_request refused")),
  );

  // Without the private-network grant, the same allowed host is refused for its address.
  const { plugin: strict } = await env.load("http-headers", { manifest: localHost(port) });
  await rejectsKind(
    callAs(strict, manifest, "response_headers", { url: `http://127.0.0.1:${port}/hello` }),
    "denied",
    "private address 127.0.0.1",
  );
  // The user's host grant narrows the manifest's.
  const { plugin: narrowed } = await env.load("http-headers", {
    manifest: localHost(port),
    grants: { apis: [], netHosts: [], allowPrivateNetwork: true },
  });
  await rejectsKind(
    callAs(narrowed, manifest, "response_headers", { url: `http://127.0.0.1:${port}/hello` }),
    "denied",
    "allowed: none",
  );
});

Deno.test("extism http_request: the response size cap holds", async () => {
  await using env = await extismEnv();
  await using server = startServer();
  const port = server.addr.port;
  const { plugin, manifest } = await env.load("http-headers", {
    manifest: localHost(port),
    grants: { apis: [], allowPrivateNetwork: true },
    limits: { httpResponseBytes: 1000 },
  });
  await rejectsKind(
    callAs(plugin, manifest, "response_headers", { url: `http://127.0.0.1:${port}/big` }),
    "plugin_error",
    "response body exceeds the 1000-byte limit",
  );
});

Deno.test("extism modules run from their directory as rungpt plugin run does", async () => {
  await using server = startServer();
  const host = `127.0.0.1:${server.addr.port}`;
  const vowels = await runPluginAction(
    join(FIXTURES, "count-vowels"),
    "count_vowels",
    '{"text":"rungpt"}',
  );
  assertEquals(JSON.parse(vowels), { count: 1, total: 1, vowels: "aeiouAEIOU" });
  const headers = await runPluginAction(
    join(FIXTURES, "http-headers"),
    "response_headers",
    JSON.stringify({ url: `http://${host}/hello` }),
    { allowHosts: [host], allowPrivateNetwork: true },
  );
  assertEquals(JSON.parse(headers)["x-test"], "hello");
});

Deno.test("extism count_vowels installed from git: the manager passes input text as raw text", async () => {
  await using git = await createGitFixtures();
  const dir = join(FIXTURES, "count-vowels");
  const repo = await git.createRepo("extism", "count-vowels");
  await repo.commit({
    "rungpt.yaml": await Deno.readTextFile(join(dir, "rungpt.yaml")),
    "count_vowels.wasm": await Deno.readFile(join(dir, "count_vowels.wasm")),
  });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-extism-plugins-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-extism-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  try {
    await installPlugin({
      spec: "extism/count-vowels",
      pluginsDir,
      dataDir,
      confirm: () => Promise.resolve(true),
      gitBase: git.base,
    });
    // What a chat turn hands the tool: the validated arguments as JSON.
    const out = await plugins.call("count-vowels", "count_vowels", '{"text":"Hello World"}');
    assertEquals(JSON.parse(out).count, 3);
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a module cannot import rungpt's Extism HTTP functions under their renamed module", async () => {
  const manifest = parseManifest(
    "name: sneaky\nversion: 1.0.0\ndescription: d\nwasm: p.wasm\n" +
      "permissions: { net: { hosts: [example.com] } }\n",
  );
  const wasm = buildWasm({ imports: [["rungpt:extism-http", "http_request"]], exports: ["run"] });
  await rejectsKind(
    checkLoadable(wasm, manifest, { registry: createDefaultRegistry() }),
    "denied",
    'module "rungpt:extism-http" function "http_request" is imported but rungpt.yaml does not declare',
  );
});
