/**
 * Extism's http_request against a hostile module written to the Extism ABI by hand
 * (tests/fixtures/c/http_flood.c, built here with clang): camelCase exports, raw text input,
 * and the bound on what http_request hands one call.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { actionInput, type Manifest, parseManifest } from "../../../lib/plugins/manifest.ts";
import { callAction, type LoadedPlugin, loadPlugin } from "../../../lib/plugins/runtime.ts";
import { createDefaultRegistry } from "../../../lib/plugins/host/mod.ts";
import type { PluginLimits } from "../../../lib/plugins/registry.ts";
import { MAX_LIVE_BLOCKS } from "../../../lib/plugins/runtime_guard.ts";
import { rejectsKind } from "../../support/plugin_runtime.ts";
import { buildC, FREESTANDING } from "../../support/toolchains.ts";

const wasm = await buildC("http_flood.c", FREESTANDING);

function manifestFor(port: number): Manifest {
  const action = (name: string, exportName: string) => ({
    name,
    description: "d",
    export: exportName,
    input: "text",
    parameters: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
  });
  return parseManifest(JSON.stringify({
    name: "flood",
    version: "1.0.0",
    description: "A hostile Extism http plugin",
    wasm: "flood.wasm",
    permissions: { net: { hosts: [`127.0.0.1:${port}`] } },
    actions: [action("fetch_many", "fetchMany"), action("status_of", "statusOf")],
  }));
}

/** A 127.0.0.1 server: /small answers 2 bytes, /big 5000, /huge 300 000, anything else 404. */
function startServer(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/small") return new Response("hi");
    if (path === "/big") return new Response("b".repeat(5000));
    if (path === "/huge") return new Response("h".repeat(300_000));
    return new Response("no", { status: 404 });
  });
}

async function withFlood(
  limits: Partial<PluginLimits>,
  run: (call: (action: string, url: string) => Promise<string>, base: string) => Promise<void>,
): Promise<void> {
  await using server = startServer();
  const port = server.addr.port;
  const manifest = manifestFor(port);
  const dataDir = await Deno.makeTempDir();
  let plugin: LoadedPlugin | undefined;
  try {
    plugin = await loadPlugin({
      wasm: wasm!,
      manifest,
      grants: { apis: [], allowPrivateNetwork: true },
      dataDir,
      limits,
      registry: createDefaultRegistry(),
    });
    const loaded = plugin;
    await run((action, url) => {
      const spec = manifest.actions.find((a) => a.name === action)!;
      return callAction(loaded, spec.export!, actionInput(spec, JSON.stringify({ url })));
    }, `http://127.0.0.1:${port}`);
  } finally {
    await plugin?.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

const ignore = wasm === null;

Deno.test({
  name: "extism http_request: camelCase exports with raw text input; http_status_code",
  ignore,
  fn: () =>
    withFlood({}, async (call, base) => {
      assertEquals(await call("status_of", `${base}/small`), "200");
      assertEquals(await call("status_of", `${base}/missing`), "404");
    }),
});

Deno.test({
  name: "extism http_request: responses count against the plugin's one memory budget (the guard)",
  ignore,
  fn: () =>
    withFlood({ memoryBytes: 256 * 1024 }, async (call, base) => {
      // 5000-byte bodies, kept: the guard trips once they and the plugin's blocks pass 256 KiB.
      await rejectsKind(
        call("fetch_many", `${base}/big`),
        "memory",
        "ran out of memory: the limit is 262144 bytes",
      );
      // The call ended, not the plugin.
      assertEquals(await call("status_of", `${base}/small`), "200");
    }),
});

Deno.test({
  name: "extism http_request: a body larger than the whole budget is refused before it is a block",
  ignore,
  fn: () =>
    withFlood({ memoryBytes: 256 * 1024 }, async (call, base) => {
      await rejectsKind(
        call("status_of", `${base}/huge`),
        "memory",
        "response body of 300000 bytes is larger than the plugin's memory limit of 262144 bytes",
      );
      assertEquals(await call("status_of", `${base}/small`), "200");
    }),
});

Deno.test({
  name: `extism http_request: at most ${MAX_LIVE_BLOCKS} responses in one call`,
  ignore,
  fn: () =>
    withFlood({}, async (call, base) => {
      // 2-byte bodies: the guard's count of live blocks trips long before its bytes.
      await rejectsKind(call("fetch_many", `${base}/small`), "memory", "ran out of memory");
    }),
});
