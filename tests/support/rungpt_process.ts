/**
 * A real `rungpt serve` process, started with the permissions of `deno task start` as users
 * start it, that a test can SIGKILL: a crash, not a clean shutdown.
 *
 * @example
 * ```ts
 * const rungpt = await spawnRungpt({ RUNGPT_DATA_DIR: dataDir, OPENAI_BASE_URL: model.url });
 * try {
 *   await rungpt.post("/api/conversations", {});
 * } finally {
 *   await rungpt.kill();
 * }
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The permissions of `deno task start`, so the subprocess runs as users run it. */
async function startTaskArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words = (config.tasks.start as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  return words.slice(2);
}

/** Reads a child's stdout until a line matches; returns the match. */
async function waitForLine(
  lines: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  let buffer = "";
  while (true) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`output ended without ${pattern}:\n${buffer}`);
    buffer += value;
    const match = buffer.match(pattern);
    if (match) return match;
  }
}

/** PATH, HOME and Deno's cache location: enough to run deno, nothing from the user's setup. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** A running `rungpt serve` child. */
export interface RungptProcess {
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  /** POSTs JSON with a same-origin `Origin`, as the UI does. */
  post(path: string, json: unknown): Promise<Response>;
  /** SIGKILLs the process (if it still runs) and waits for it to exit. */
  kill(): Promise<void>;
  /** Sends `signal` (a user's Ctrl+C, a service manager's stop) and waits for the exit. */
  stop(signal: "SIGTERM" | "SIGINT"): Promise<Deno.CommandStatus>;
}

/** Starts `rungpt serve` on 127.0.0.1 (`port` 0: a free one) with `env` over test defaults. */
export async function spawnRungpt(
  env: Record<string, string>,
  port = 0,
): Promise<RungptProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...await startTaskArgs(), "serve", "--port", String(port)],
    cwd: ROOT,
    clearEnv: true,
    env: {
      ...baseEnv(),
      RUNGPT_API_TOKEN: "rgt_crash-test-token-0123456789",
      OPENAI_API_KEY: "sk-crash-key-0123456789",
      RUNGPT_MODEL: "gpt-4o",
      // As in rungpt_server.ts: a title request would take the next scripted reply.
      RUNGPT_AUTO_TITLES: "off",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
    await stdout.cancel().catch(() => {});
  };
  try {
    const [, url] = await waitForLine(stdout, /running at (http:\/\/\S+?)\/?\s/);
    const post = (path: string, json: unknown) =>
      fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json", origin: url },
        body: JSON.stringify(json),
      });
    const stop = async (signal: "SIGTERM" | "SIGINT") => {
      child.kill(signal);
      const status = await child.status;
      await stdout.cancel().catch(() => {});
      return status;
    };
    return { url, port: Number(new URL(url).port), post, kill, stop };
  } catch (e) {
    await kill();
    throw e;
  }
}
