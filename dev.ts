/**
 * Development entry (`deno task dev`): regenerates fresh.gen.ts, runs the server with
 * unminified island bundles, and restarts it — rebuilding the islands — whenever a source
 * file changes. Arguments pass through to `rungpt serve`.
 * @module
 */
import denoConfig from "./deno.json" with { type: "json" };
import { generateManifest } from "./lib/web/gen.ts";

const root = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const WATCHED = ["routes", "islands", "components", "lib", "static"].map((d) => `${root}/${d}`);
/** The server runs with the start task's permissions (its words between `deno run` and `main.ts`). */
const PERMISSIONS = denoConfig.tasks.start.split(/\s+/).filter((w) => w.startsWith("--allow-"));

async function writeManifest(): Promise<void> {
  const path = `${root}/fresh.gen.ts`;
  const next = await generateManifest(root);
  const current = await Deno.readTextFile(path).catch(() => "");
  if (next !== current) await Deno.writeTextFile(path, next);
}

function startServer(): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, `${root}/main.ts`, "serve", ...Deno.args],
    env: { RUNGPT_DEV: "1" },
    stdin: "null",
  }).spawn();
}

await writeManifest();
let child = startServer();
// Take the server down with us.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    Deno.exit(0);
  });
}
let timer: ReturnType<typeof setTimeout> | undefined;
for await (const event of Deno.watchFs(WATCHED)) {
  if (event.paths.every((p) => p.endsWith("fresh.gen.ts") || /[~#]$|\.swp$/.test(p))) continue;
  clearTimeout(timer);
  timer = setTimeout(async () => {
    console.error("\n[dev] change detected; restarting…");
    await writeManifest();
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    child = startServer();
  }, 150);
}
