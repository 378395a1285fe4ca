/**
 * Actions benchmark: a plugin's first call after start (load + first call, module cache
 * cleared), warm calls p50/p99, and calls/s with 8 concurrent callers, through rungpt's runtime
 * (`loadPlugin`, `callAction`: Extism in a worker, limits on). Baseline: the same module with
 * plain `WebAssembly` in this process (see wasm_baseline.ts).
 *
 * Plugins: every built example under examples/plugins/<name>/ (rungpt.yaml and its wasm), else
 * the AssemblyScript test fixture `echo`; and, where clang and wasi-libc are installed, the WASI
 * test plugin tests/fixtures/c/wasi_stdio.c (`greet`: two printf lines, each a few round trips
 * through the WASI bridge). The weather example talks to the recorded Open-Meteo
 * answers served on 127.0.0.1 (tests/fixtures/open-meteo), never the internet.
 * @module
 */
import { join } from "node:path";
import { type Manifest, parseManifest } from "../lib/plugins/manifest.ts";
import { callAction, clearModuleCache, loadPlugin } from "../lib/plugins/runtime.ts";
import { type OpenMeteoServer, startOpenMeteo } from "../tests/fixtures/open-meteo/server.ts";
import { buildFixture, fixtureManifest } from "../tests/support/wasm_fixtures.ts";
import { buildC, textActionsManifest, WASI_REACTOR } from "../tests/support/toolchains.ts";
import type { Figure } from "./report.ts";
import { median, p99 } from "./stats.ts";
import { instantiatePlain, stubbedImports } from "./wasm_baseline.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const WARM_CALLS = 300;
const CONCURRENT_CALLERS = 8;
const CALLS_PER_CALLER = 50;

/** A plugin to bench: its bytes, manifest, the action to call and an input for it. */
export interface BenchPlugin {
  label: string;
  wasm: Uint8Array;
  manifest: Manifest;
  exportName: string;
  input: string;
  /** Plugin settings, when the defaults will not do. */
  config?: Record<string, unknown>;
  /** Whether rungpt:net may reach 127.0.0.1 (for a local stand-in of a service). */
  allowPrivateNetwork?: boolean;
  /** A note for the figures. */
  note?: string;
  /** No plain-wasm baseline: its stubs would not do (WASI's fd_write must report bytes). */
  noPlainBaseline?: boolean;
}

/**
 * Points the weather example at the local Open-Meteo stand-in: its host added to the
 * manifest's (for the bench only), its URLs as settings, and a place it has answers for.
 */
function offline(p: BenchPlugin, om: OpenMeteoServer): BenchPlugin {
  if (p.label !== "weather") return p;
  const net = p.manifest.permissions.net ?? { hosts: [] };
  return {
    ...p,
    manifest: {
      ...p.manifest,
      permissions: { ...p.manifest.permissions, net: { hosts: [...net.hosts, om.host] } },
    },
    input: JSON.stringify({ place: "Berlin" }),
    config: { geocoding_url: om.url("/v1/search"), forecast_url: om.url("/v1/forecast") },
    allowPrivateNetwork: true,
    note: "Open-Meteo answers recorded, served on 127.0.0.1",
  };
}

/**
 * Arguments for an action from its JSON Schema: every string property gets a sample text,
 * every enum its first value (so no host setting is needed), numbers 1, booleans false.
 */
export function sampleArgs(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, Record<string, unknown>> })?.properties;
  const args: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(props ?? {})) {
    if (Array.isArray(p.enum)) args[key] = p.enum[0];
    else if (p.type === "string") args[key] = "Hello, plugin benchmark!";
    else if (p.type === "number" || p.type === "integer") args[key] = 1;
    else if (p.type === "boolean") args[key] = false;
  }
  return args;
}

/** Built example plugins under examples/plugins/ (skipping unbuilt ones, with a note). */
export async function examplePlugins(log: (s: string) => void): Promise<BenchPlugin[]> {
  const dir = join(ROOT, "examples", "plugins");
  const out: BenchPlugin[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch { /* no examples yet */ }
  for (const e of entries.filter((e) => e.isDirectory).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const file = join(dir, e.name, "rungpt.yaml");
    try {
      const manifest = parseManifest(await Deno.readTextFile(file), file);
      const action = manifest.actions[0];
      if (!action) continue;
      const wasm = await Deno.readFile(join(dir, e.name, manifest.wasm));
      out.push({
        label: e.name,
        wasm,
        manifest,
        exportName: action.export ?? action.name,
        input: JSON.stringify(sampleArgs(action.parameters)),
      });
    } catch (err) {
      log(`actions: skipping examples/plugins/${e.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

async function echoFixture(): Promise<BenchPlugin> {
  return {
    label: "fixture echo",
    wasm: await buildFixture("echo"),
    manifest: await fixtureManifest("echo"),
    exportName: "upper",
    input: JSON.stringify({ text: "Hello, plugin benchmark!" }),
  };
}

/** The WASI C test plugin, or null (with a note) without clang and wasi-libc. */
async function wasiFixture(log: (s: string) => void): Promise<BenchPlugin | null> {
  const wasm = await buildC("wasi_stdio.c", WASI_REACTOR).catch((e) => {
    log(`actions: no WASI plugin: ${(e as Error).message}`);
    return null;
  });
  if (!wasm) return null;
  return {
    label: "wasi C (wasi-libc)",
    wasm,
    manifest: textActionsManifest("wasi-c", [["greet", "greet"]]),
    exportName: "greet",
    input: "Ada",
    note: "two printf lines per call through the WASI bridge",
    noPlainBaseline: true,
  };
}

async function benchOne(p: BenchPlugin, dataDir: string): Promise<Figure[]> {
  const area = "actions";
  const figures: Figure[] = [];
  const bytes = new TextEncoder().encode(p.input);

  // Baseline first call: compile + instantiate + call.
  let plainFirst: number | null = null;
  let plain: Awaited<ReturnType<typeof instantiatePlain>> | null = null;
  const stubbed = stubbedImports(p.wasm);
  let plainNote = stubbed.length ? `; plain stubs ${stubbed.join(", ")}` : "";
  try {
    if (p.noPlainBaseline) throw new Error("stubs would not do");
    const t0 = performance.now();
    const instance = await instantiatePlain(p.wasm);
    instance.call(p.exportName, bytes);
    plainFirst = performance.now() - t0;
    plain = instance; // only once it answers: a stubbed host API can make it fail
  } catch (e) {
    plainNote += `; no plain baseline: ${(e as Error).message}`;
  }

  clearModuleCache();
  const t0 = performance.now();
  const plugin = await loadPlugin({
    wasm: p.wasm,
    manifest: p.manifest,
    grants: { apis: p.manifest.apis, allowPrivateNetwork: p.allowPrivateNetwork },
    dataDir,
    config: p.config,
  });
  const loaded = performance.now() - t0;
  try {
    const firstOut = await callAction(plugin, p.exportName, p.input);
    const first = performance.now() - t0;
    if (plain) {
      const plainOut = new TextDecoder().decode(plain.call(p.exportName, bytes));
      // Stubbed host APIs may change the answer (e.g. a config default); note, don't fail.
      if (plainOut !== firstOut) plainNote += "; plain output differs (stubbed host APIs)";
    }
    figures.push({
      area,
      name: `${p.label}: first call after start`,
      value: first,
      unit: "ms",
      baseline: plainFirst,
      baselineName: "plain wasm",
      target: { op: "<", limit: 250 },
      note: `loadPlugin ${loaded.toFixed(1)} ms + first call${plainNote}${
        p.note ? `; ${p.note}` : ""
      }`,
    });

    const warm: number[] = [], plainWarm: number[] = [];
    for (let i = 0; i < WARM_CALLS; i++) {
      const a = performance.now();
      await callAction(plugin, p.exportName, p.input);
      warm.push(performance.now() - a);
      if (plain) {
        const b = performance.now();
        plain.call(p.exportName, bytes);
        plainWarm.push(performance.now() - b);
      }
    }
    figures.push({
      area,
      name: `${p.label}: warm call p50`,
      value: median(warm),
      unit: "ms",
      baseline: plain ? median(plainWarm) : null,
      baselineName: "plain wasm",
      target: { op: "<", limit: 1 },
      note: `p99 ${p99(warm).toFixed(3)} ms (plain ${plain ? p99(plainWarm).toFixed(4) : "-"})`,
    });
    figures.push({
      area,
      name: `${p.label}: warm call p99`,
      value: p99(warm),
      unit: "ms",
      baseline: plain ? p99(plainWarm) : null,
      baselineName: "plain wasm",
      note: `n=${WARM_CALLS}`,
    });

    const tc = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT_CALLERS }, async () => {
        for (let i = 0; i < CALLS_PER_CALLER; i++) {
          await callAction(plugin, p.exportName, p.input);
        }
      }),
    );
    const rate = CONCURRENT_CALLERS * CALLS_PER_CALLER / ((performance.now() - tc) / 1000);
    let plainRate: number | null = null;
    if (plain) {
      const n = CONCURRENT_CALLERS * CALLS_PER_CALLER;
      const tp = performance.now();
      for (let i = 0; i < n; i++) plain.call(p.exportName, bytes);
      plainRate = n / ((performance.now() - tp) / 1000);
    }
    figures.push({
      area,
      name: `${p.label}: calls/s, ${CONCURRENT_CALLERS} callers`,
      value: rate,
      unit: "calls/s",
      baseline: plainRate,
      baselineName: "plain wasm",
      note: `${CONCURRENT_CALLERS}x${CALLS_PER_CALLER} calls on one loaded plugin`,
    });
  } finally {
    await plugin.close();
  }
  return figures;
}

/**
 * A hostile plugin (the `allocbomb` fixture, with a 16 MiB budget) asks the host to hold 2 GiB
 * in one block, 4 GiB in 4 MiB blocks, a million empty blocks and 50 MiB of host answers; each
 * call fails with kind `memory`, and the next starts a fresh instance. Measured: the longest the event loop was blocked (the server's answer time to
 * anything else) and how much RSS grew. Before the allocation guard the first call alone took
 * the process to 4.3 GB and blocked it for 30 s and more.
 */
async function benchHostile(dataDir: string): Promise<Figure[]> {
  const manifest = await fixtureManifest("allocbomb");
  const plugin = await loadPlugin({
    wasm: await buildFixture("allocbomb"),
    manifest,
    grants: { apis: manifest.apis },
    dataDir,
    limits: { memoryBytes: 16 * 1024 * 1024 },
  });
  const rss0 = Deno.memoryUsage().rss;
  let worst = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  const kinds: string[] = [];
  try {
    for (const attack of ["huge", "many", "tiny", "hostleak"]) {
      await callAction(plugin, attack, "").then(
        () => kinds.push("ok"),
        (e) => kinds.push(e.kind),
      );
    }
  } finally {
    clearInterval(tick);
    await plugin.close();
  }
  const area = "actions";
  return [{
    area,
    name: "hostile plugin: longest event-loop stall",
    value: worst,
    unit: "ms",
    target: { op: "<", limit: 1000 },
    note: `alloc 2 GiB, 1000 x 4 MiB, 10^6 x 0 B, host answers: ${
      kinds.join(", ")
    }; includes starting a fresh worker after each`,
  }, {
    area,
    name: "hostile plugin: RSS growth",
    value: (Deno.memoryUsage().rss - rss0) / 2 ** 20,
    unit: "MiB",
    note: "over the four calls, each refused at the 16 MiB budget",
  }];
}

/** Runs the actions benchmark. */
export async function benchActions(log: (s: string) => void): Promise<Figure[]> {
  const plugins = await examplePlugins(log);
  if (plugins.length === 0) {
    log("actions: no built examples/plugins/*; using the echo test fixture");
    plugins.push(await echoFixture());
  }
  const wasi = await wasiFixture(log);
  if (wasi) plugins.push(wasi);
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-bench-actions-" });
  await using om = await startOpenMeteo();
  const figures: Figure[] = [];
  try {
    for (const p of plugins) figures.push(...await benchOne(offline(p, om), dataDir));
    figures.push(...await benchHostile(dataDir));
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  log("actions: done");
  return figures;
}
