/**
 * `deno task bench [area…]`: runs the benchmarks (all, or the named areas: relay, actions,
 * tags, startup, page, scale, mcp), prints a table of figure, value, baseline, ratio, target and
 * result, and writes the figures with the machine info to bench/results/<timestamp>.json.
 * @module
 */
import { join } from "node:path";
import { benchActions } from "./actions.ts";
import { machineInfo, machineLine } from "./machine.ts";
import { benchMcpClient } from "./mcp_client.ts";
import { benchMcpServe } from "./mcp_serve.ts";
import { benchPageWeight } from "./page_weight.ts";
import { benchRelay } from "./relay.ts";
import { type Figure, formatMarkdownTable, formatTable, verdict } from "./report.ts";
import { benchScale } from "./scale.ts";
import { benchStartup } from "./startup.ts";
import { benchTagParser } from "./tag_parser.ts";

type Bench = (log: (s: string) => void) => Promise<Figure[]>;

/** The areas, in run order. */
export const AREAS: Record<string, Bench> = {
  tags: benchTagParser,
  actions: benchActions,
  page: benchPageWeight,
  startup: benchStartup,
  relay: benchRelay,
  scale: benchScale,
  mcp: async (log) => [...await benchMcpServe(log), ...await benchMcpClient(log)],
};

if (import.meta.main) {
  const picked = Deno.args.length ? Deno.args : Object.keys(AREAS);
  const unknown = picked.filter((a) => !(a in AREAS));
  if (unknown.length) {
    console.error(
      `Unknown area(s) ${unknown.join(", ")}; pick from ${Object.keys(AREAS).join(", ")}.`,
    );
    Deno.exit(2);
  }
  const machine = await machineInfo();
  const command = `deno task bench${Deno.args.length ? ` ${Deno.args.join(" ")}` : ""}`;
  const log = (s: string) => console.error(`[bench] ${s}`);
  log(machineLine(machine));
  const started = new Date();
  const t0 = performance.now();
  const figures: Figure[] = [];
  const errors: Array<{ area: string; error: string }> = [];
  for (const area of picked) {
    const ta = performance.now();
    try {
      figures.push(...await AREAS[area](log));
    } catch (e) {
      // One broken area should not hide the others' figures.
      errors.push({ area, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      log(`${area} failed: ${e instanceof Error ? e.message : e}`);
    }
    log(`${area}: ${((performance.now() - ta) / 1000).toFixed(1)} s`);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\nrungpt benchmarks: ${machineLine(machine)}`);
  console.log(`command: ${command}; ${seconds.toFixed(0)} s\n`);
  console.log(formatTable(figures));
  const notes = figures.filter((f) => f.note);
  if (notes.length) {
    console.log("\nnotes:");
    for (const f of notes) console.log(`  ${f.area} / ${f.name}: ${f.note}`);
  }
  for (const e of errors) console.log(`\n${e.area} FAILED:\n${e.error}`);
  const dir = join(import.meta.dirname!, "results");
  await Deno.mkdir(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replaceAll(":", "-")}.json`);
  await Deno.writeTextFile(
    file,
    JSON.stringify(
      {
        started: started.toISOString(),
        seconds,
        command,
        machine,
        figures: figures.map((f) => ({ ...f, result: verdict(f) })),
        errors,
        markdown: formatMarkdownTable(figures),
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nwrote ${file}`);
  const misses = figures.filter((f) => verdict(f) === "miss").length;
  console.log(`${misses} target(s) missed.`);
  if (errors.length) Deno.exit(1);
}
