/**
 * Running rungpt and the scripted model as their own processes (so each has its own event
 * loop, CPU time and RSS), and reading /proc for their CPU time and memory.
 * @module
 */
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** The permissions of `deno task start` (kept in sync with deno.json by hand). */
export const START_PERMS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run=git,xdg-open,open,deno",
  "--allow-sys=homedir,hostname,osRelease,networkInterfaces",
];

/** The token the bench gives rungpt for /v1 calls. */
export const BENCH_TOKEN = "rgt_bench-token-0123456789";

/** A child process that printed the URL it serves. */
export interface ChildServer {
  pid: number;
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  /** Milliseconds from spawn to the URL line. */
  readyMs: number;
  close(): Promise<void>;
}

async function waitForLine(
  child: Deno.ChildProcess,
  pattern: RegExp,
  what: string,
): Promise<{ match: RegExpMatchArray; rest: Promise<void> }> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${what} exited before it printed its URL:\n${buffer}`);
      buffer += value;
      const match = buffer.match(pattern);
      if (match) {
        // Keep draining stdout so the child never blocks on a full pipe.
        const rest = (async () => {
          while (!(await reader.read()).done) { /* drain */ }
        })().catch(() => {});
        return { match, rest };
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}

async function stop(child: Deno.ChildProcess, rest: Promise<void>): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5_000);
  await child.status;
  clearTimeout(timer);
  await rest;
}

/** Options of {@linkcode spawnRungpt}. */
export interface SpawnRungptOptions {
  dataDir: string;
  pluginsDir: string;
  /** The scripted model's base URL (`…/v1`); none leaves the model unset. */
  modelUrl?: string;
}

/**
 * Starts `deno run <start perms> main.ts --port 0` with its own data and plugins dirs and
 * waits for "is running at". `readyMs` is spawn to that line.
 */
export async function spawnRungpt(opts: SpawnRungptOptions): Promise<ChildServer> {
  const env: Record<string, string> = {
    RUNGPT_DATA_DIR: opts.dataDir,
    RUNGPT_PLUGINS_DIR: opts.pluginsDir,
    RUNGPT_API_TOKEN: BENCH_TOKEN,
    NO_COLOR: "1",
  };
  if (opts.modelUrl) {
    Object.assign(env, {
      OPENAI_BASE_URL: opts.modelUrl,
      OPENAI_API_KEY: "sk-bench-key-0123456789",
      RUNGPT_MODEL: "gpt-4o",
    });
  }
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_PERMS, join(ROOT, "main.ts"), "--port", "0"],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { match, rest } = await waitForLine(child, /running at (http:\/\/\S+?)\/?\s/, "rungpt");
  const readyMs = performance.now() - t0;
  return {
    pid: child.pid,
    origin: match[1].replace(/\/$/, ""),
    readyMs,
    close: () => stop(child, rest),
  };
}

/**
 * Starts bench/model_server.ts (the scripted OpenAI-compatible server streaming `tokens`
 * chunks per reply) as its own process.
 */
export async function spawnModel(tokens: number): Promise<ChildServer & { url: string }> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", join(ROOT, "bench", "model_server.ts"), String(tokens)],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { match, rest } = await waitForLine(child, /listening (http:\/\/\S+)\s/, "model server");
  const url = match[1];
  return {
    pid: child.pid,
    url,
    origin: url.replace(/\/v1$/, ""),
    readyMs: performance.now() - t0,
    close: () => stop(child, rest),
  };
}

/** Starts bench/hello_server.ts (the start-up baseline) like rungpt is started. */
export function spawnHello(): Promise<ChildServer> {
  return spawnBaseline("hello_server.ts", []);
}

/** Starts bench/proxy_server.ts (the relay's floor) in front of the model at `modelUrl`. */
export function spawnProxy(modelUrl: string): Promise<ChildServer> {
  return spawnBaseline("proxy_server.ts", [modelUrl]);
}

async function spawnBaseline(file: string, args: string[]): Promise<ChildServer> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", join(ROOT, "bench", file), ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { match, rest } = await waitForLine(child, /running at (http:\/\/\S+?)\/?\s/, file);
  return {
    pid: child.pid,
    origin: match[1].replace(/\/$/, ""),
    readyMs: performance.now() - t0,
    close: () => stop(child, rest),
  };
}

/**
 * Reads a /proc file through `cat`: under `deno task bench`'s permissions Deno refuses to
 * read /proc (it asks for --allow-all), but running a program is allowed.
 */
export async function readProc(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`cannot read ${path}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** User+system CPU time of process `pid` in milliseconds, from /proc/<pid>/stat. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readProc(`/proc/${pid}/stat`);
  // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Resident set size of process `pid` in MiB, from /proc/<pid>/status (VmRSS). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readProc(`/proc/${pid}/status`);
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
  return kb / 1024;
}
