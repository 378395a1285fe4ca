/**
 * Relay benchmark: the scripted model streams N chunks; time to first token (TTFT) and total
 * time through rungpt (`/v1/chat/completions`, `/v1/responses` translated to chat completions
 * since the scripted model has no Responses API, and the UI's own stream) against the scripted
 * server directly, at 1, 16 and 128 concurrent streams; rungpt's CPU per 1,000 tokens; every
 * stream's text is checked against the scripted chunks (nothing lost or reordered). The same
 * streams through a minimal Deno proxy (proxy_server.ts) show what the extra hop alone costs.
 *
 * rungpt and the model each run as their own process; this process is only the client.
 * @module
 */
import type { Figure } from "./report.ts";
import { numberedChunks } from "./model_server.ts";
import { BENCH_TOKEN, cpuMs, spawnModel, spawnProxy, spawnRungpt } from "./procs.ts";
import {
  newConversation,
  openAiStream,
  responsesStream,
  type StreamTiming,
  uiStream,
} from "./clients.ts";
import { median, p99 } from "./stats.ts";

/** Chunks per reply. */
export const TOKENS = 1000;
const LEVELS: Array<{ streams: number; rounds: number }> = [
  { streams: 1, rounds: 15 },
  { streams: 16, rounds: 3 },
  { streams: 128, rounds: 1 },
];

type Path = "direct" | "proxy" | "v1" | "responses" | "ui";
const PATHS = ["direct", "proxy", "v1", "responses", "ui"] as const;

/** Runs the relay benchmark and returns its figures. */
export async function benchRelay(log: (s: string) => void): Promise<Figure[]> {
  const expected = numberedChunks(TOKENS).join("");
  const model = await spawnModel(TOKENS);
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-bench-relay-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-bench-plugins-" });
  const rg = await spawnRungpt({ dataDir, pluginsDir, modelUrl: model.url }).catch(async (e) => {
    await model.close();
    throw e;
  });
  const proxy = await spawnProxy(model.url).catch(async (e) => {
    await rg.close();
    await model.close();
    throw e;
  });
  const figures: Figure[] = [];
  let streamsChecked = 0;
  try {
    const run = async (path: Path, convId?: string) => {
      const t = path === "direct"
        ? await openAiStream(`${model.url}/chat/completions`, {})
        : path === "proxy"
        ? await openAiStream(`${proxy.origin}/chat/completions`, {})
        : path === "v1"
        ? await openAiStream(`${rg.origin}/v1/chat/completions`, {
          authorization: `Bearer ${BENCH_TOKEN}`,
        })
        : path === "responses"
        ? await responsesStream(`${rg.origin}/v1/responses`, {
          authorization: `Bearer ${BENCH_TOKEN}`,
        })
        : await uiStream(rg.origin, convId!);
      if (t.text !== expected) {
        throw new Error(
          `${path}: the streamed text differs from the scripted chunks (got ${t.text.length} chars, want ${expected.length}): lost or reordered chunks`,
        );
      }
      streamsChecked++;
      return t;
    };
    // Warm up every path (JIT, connection pools, the island bundle is irrelevant here).
    for (const path of PATHS) {
      await run(path, path === "ui" ? await newConversation(rg.origin) : undefined);
    }
    for (const { streams, rounds } of LEVELS) {
      const samples: Record<Path, StreamTiming[]> = {
        direct: [],
        proxy: [],
        v1: [],
        responses: [],
        ui: [],
      };
      for (let r = 0; r < rounds; r++) {
        // Interleave the paths round by round so drift on a noisy machine hits all alike.
        for (const path of PATHS) {
          const convs = path === "ui"
            ? await Promise.all(Array.from({ length: streams }, () => newConversation(rg.origin)))
            : [];
          const results = await Promise.all(
            Array.from({ length: streams }, (_, i) => run(path, convs[i])),
          );
          samples[path].push(...results);
        }
      }
      const limit = streams === 1 ? 2 : streams === 128 ? 20 : undefined;
      const direct = samples.direct;
      for (const path of ["proxy", "v1", "responses", "ui"] as const) {
        const s = samples[path];
        const ttft = s.map((x) => x.ttft);
        const dTtft = direct.map((x) => x.ttft);
        figures.push({
          area: "relay",
          name: `${path} TTFT p50 @${streams}`,
          value: median(ttft),
          unit: "ms",
          baseline: median(dTtft),
          baselineName: "direct",
          ...(limit !== undefined && path !== "proxy"
            ? { target: { op: "<" as const, limit }, targetOn: "added" as const }
            : {}),
          note: `p99 ${p99(ttft).toFixed(2)} vs ${p99(dTtft).toFixed(2)} ms; n=${s.length}`,
        });
        figures.push({
          area: "relay",
          name: `${path} total p50 @${streams}`,
          value: median(s.map((x) => x.total)),
          unit: "ms",
          baseline: median(direct.map((x) => x.total)),
          baselineName: "direct",
          note: `p99 ${p99(s.map((x) => x.total)).toFixed(1)} vs ${
            p99(direct.map((x) => x.total)).toFixed(1)
          } ms; ${TOKENS} chunks`,
        });
      }
      log(`relay @${streams}: done`);
    }
    // CPU per 1,000 tokens: sequential streams, CPU time of each process over the same work.
    const cpuRuns = 10;
    for (const path of ["v1", "responses", "ui"] as const) {
      const convs = path === "ui"
        ? await Promise.all(Array.from({ length: cpuRuns }, () => newConversation(rg.origin)))
        : [];
      const rg0 = await cpuMs(rg.pid), m0 = await cpuMs(model.pid);
      for (let i = 0; i < cpuRuns; i++) await run(path, convs[i]);
      const rgCpu = (await cpuMs(rg.pid) - rg0) / cpuRuns * 1000 / TOKENS;
      const modelCpu = (await cpuMs(model.pid) - m0) / cpuRuns * 1000 / TOKENS;
      figures.push({
        area: "relay",
        name: `${path} rungpt CPU / 1k tokens`,
        value: rgCpu,
        unit: "ms",
        baseline: modelCpu,
        baselineName: "model server CPU",
        note: `${cpuRuns} sequential streams; /proc/<pid>/stat utime+stime (10 ms ticks)`,
      });
    }
    figures.push({
      area: "relay",
      name: "streams checked (no chunk lost/reordered)",
      value: streamsChecked,
      unit: "streams",
      note: "every stream's text equals the scripted chunks in order",
    });
  } finally {
    await proxy.close();
    await rg.close();
    await model.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(pluginsDir, { recursive: true }).catch(() => {});
  }
  return figures;
}
