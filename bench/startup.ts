/**
 * Start-up and memory benchmark: `deno run <start perms> main.ts --port 0` to the first 200 on
 * `/`, with 0 and with 10 plugins installed (installed through lib/plugins/install.ts from
 * local bare git repositories); RSS idle and after 100 turns. Baseline: a minimal Deno HTTP
 * server (bench/hello_server.ts) started the same way. The timed starts are the everyday ones
 * (the island build cached by an earlier start); the very first start is reported apart.
 * @module
 */
import { join } from "node:path";
import { installPlugin } from "../lib/plugins/install.ts";
import { createGitFixtures } from "../tests/support/git_fixtures.ts";
import { buildFixture, FIXTURES_DIR } from "../tests/support/wasm_fixtures.ts";
import { newConversation, uiStream } from "./clients.ts";
import { type ChildServer, rssMiB, spawnHello, spawnModel, spawnRungpt } from "./procs.ts";
import type { Figure } from "./report.ts";
import { median } from "./stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const RUNS = 3;
const TURNS = 100;

/** The files of one plugin repository: the checksum example if built, else the echo fixture. */
async function pluginRepoFiles(name: string): Promise<Record<string, string | Uint8Array>> {
  const example = join(ROOT, "examples", "plugins", "checksum");
  try {
    const yaml = await Deno.readTextFile(join(example, "rungpt.yaml"));
    const wasm = await Deno.readFile(join(example, "plugin.wasm"));
    return { "rungpt.yaml": yaml.replace(/^name: .*$/m, `name: ${name}`), "plugin.wasm": wasm };
  } catch {
    const yaml = await Deno.readTextFile(join(FIXTURES_DIR, "echo", "rungpt.yaml"));
    return {
      "rungpt.yaml": yaml.replace(/^name: .*$/m, `name: ${name}`),
      "plugin.wasm": await buildFixture("echo"),
    };
  }
}

/** Installs `count` copies of a plugin into `pluginsDir` from local bare git repositories. */
export async function installCopies(
  pluginsDir: string,
  dataDir: string,
  count: number,
): Promise<void> {
  await using git = await createGitFixtures();
  for (let i = 0; i < count; i++) {
    const name = `bench${i}`;
    const repo = await git.createRepo("bench", name);
    await repo.commit(await pluginRepoFiles(name), { tags: ["v1.0.0"] });
    await installPlugin({
      spec: `bench/${name}`,
      pluginsDir,
      dataDir,
      gitBase: git.base,
      confirm: () => Promise.resolve(true),
    });
  }
}

/** Spawns, then GETs `/` until 200; returns the server and the ms from spawn to that 200. */
async function startTo200(
  spawn: () => Promise<ChildServer>,
): Promise<{ server: ChildServer; ms: number }> {
  const t0 = performance.now();
  const server = await spawn();
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.origin}/`);
    await res.body?.cancel();
    if (res.status === 200) return { server, ms: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 10));
  }
  await server.close();
  throw new Error(`${server.origin}/ never answered 200`);
}

/** Runs the start-up and memory benchmark. */
export async function benchStartup(log: (s: string) => void): Promise<Figure[]> {
  const area = "startup";
  const dirs: string[] = [];
  const tmp = async (p: string) => {
    const d = await Deno.makeTempDir({ prefix: `rungpt-bench-${p}-` });
    dirs.push(d);
    return d;
  };
  const figures: Figure[] = [];
  try {
    const data0 = await tmp("data0"), plugins0 = await tmp("plugins0");
    const data10 = await tmp("data10"), plugins10 = await tmp("plugins10");
    await installCopies(plugins10, data10, 10);
    const configs = [
      { label: "0 plugins", spawn: () => spawnRungpt({ dataDir: data0, pluginsDir: plugins0 }) },
      {
        label: "10 plugins",
        spawn: () => spawnRungpt({ dataDir: data10, pluginsDir: plugins10 }),
      },
      { label: "hello", spawn: spawnHello },
    ];
    const times = new Map<string, number[]>(configs.map((c) => [c.label, []]));
    const rss = new Map<string, number[]>(configs.map((c) => [c.label, []]));
    // One start each first (it creates the database and caches the island build), then
    // interleaved timed starts: the everyday start. The first one is reported on its own.
    const firstStart = new Map<string, number>();
    for (const c of configs) {
      const { server, ms } = await startTo200(c.spawn);
      firstStart.set(c.label, ms);
      await server.close();
    }
    for (let r = 0; r < RUNS; r++) {
      for (const c of configs) {
        const { server, ms } = await startTo200(c.spawn);
        try {
          times.get(c.label)!.push(ms);
          if (r === RUNS - 1) {
            await new Promise((res) => setTimeout(res, 1000)); // settle to idle
            rss.get(c.label)!.push(await rssMiB(server.pid));
          }
        } finally {
          await server.close();
        }
      }
    }
    const hello = median(times.get("hello")!);
    for (const label of ["0 plugins", "10 plugins"]) {
      const t = times.get(label)!;
      figures.push({
        area,
        name: `start to first 200 on /, ${label}`,
        value: median(t),
        unit: "ms",
        baseline: hello,
        baselineName: "minimal Deno server",
        target: { op: "<", limit: 1000 },
        note: `runs ${t.map((x) => x.toFixed(0)).join(", ")} ms`,
      });
    }
    figures.push({
      area,
      name: "first start ever, 0 plugins",
      value: firstStart.get("0 plugins")!,
      unit: "ms",
      baseline: firstStart.get("hello")!,
      baselineName: "minimal Deno server",
      note: "a new data dir: the database is created and the island bundle built and cached",
    });
    figures.push({
      area,
      name: "RSS idle, 0 plugins",
      value: rss.get("0 plugins")![0],
      unit: "MiB",
      baseline: rss.get("hello")![0],
      baselineName: "minimal Deno server",
      target: { op: "<", limit: 150 },
      note: "VmRSS 1 s after the first 200",
    });
    figures.push({
      area,
      name: "RSS idle, 10 plugins",
      value: rss.get("10 plugins")![0],
      unit: "MiB",
      baseline: rss.get("hello")![0],
      baselineName: "minimal Deno server",
      target: { op: "<", limit: 150 },
    });
    log("startup: starts done");

    // RSS after 100 turns (10 conversations of 10 turns, 200 chunks each).
    const model = await spawnModel(200);
    const dataT = await tmp("dataT"), pluginsT = await tmp("pluginsT");
    const rg = await spawnRungpt({ dataDir: dataT, pluginsDir: pluginsT, modelUrl: model.url });
    try {
      await new Promise((res) => setTimeout(res, 500));
      const idle = await rssMiB(rg.pid);
      for (let c = 0; c < 10; c++) {
        const id = await newConversation(rg.origin);
        for (let t = 0; t < TURNS / 10; t++) await uiStream(rg.origin, id);
      }
      await new Promise((res) => setTimeout(res, 1000));
      figures.push({
        area,
        name: `RSS after ${TURNS} turns`,
        value: await rssMiB(rg.pid),
        unit: "MiB",
        baseline: idle,
        baselineName: "same process idle",
        note: "10 conversations x 10 turns of 200 chunks, UI path",
      });
    } finally {
      await rg.close();
      await model.close();
    }
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
  log("startup: done");
  return figures;
}
