/**
 * An install that does not finish leaves nothing behind: a stalled remote's clone is bounded
 * in time, a browser job can be cancelled during the clone and is cancelled by shutdown while
 * it waits for consent, the CLI deletes its clone on SIGTERM or Ctrl+C, and the clones of
 * processes that died are swept (those of live ones never).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { installPlugin } from "../../../lib/plugins/install.ts";
import { createJobRunner, type JobEvent, JobsClosedError } from "../../../lib/plugins/jobs.ts";
import { createWorkDir, sweepWorkDirs } from "../../../lib/plugins/workdirs.ts";
import { waitFor } from "../../support/action_fixtures.ts";
import { createGitFixtures, pluginFiles, startStallingRemote } from "../../support/git_fixtures.ts";
import { startRungpt } from "../../support/rungpt_server.ts";
import { buildFixture } from "../../support/wasm_fixtures.ts";

const ROOT = join(import.meta.dirname!, "..", "..", "..");

/** Names of the work dirs (`.install-*`, `.remove-*`) in `pluginsDir`. */
async function workDirs(pluginsDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(pluginsDir)) {
      if (e.name.startsWith(".install-") || e.name.startsWith(".remove-")) names.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names;
}

/** Resolves with every event of job `id` once it ends; calls `onEvent` on each. */
function finished(
  jobs: ReturnType<typeof createJobRunner>,
  id: string,
  onEvent: (e: JobEvent) => void = () => {},
): Promise<JobEvent[]> {
  return new Promise((resolve) => {
    const events: JobEvent[] = [];
    jobs.subscribe(id, (e) => {
      events.push(e);
      onEvent(e);
      if (e.type === "done" || e.type === "error") resolve(events);
    });
  });
}

async function tempDirs() {
  const root = await Deno.makeTempDir({ prefix: "rungpt-interrupt-" });
  return {
    pluginsDir: join(root, "plugins"),
    dataDir: join(root, "data"),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

Deno.test("install: a clone from a remote that never answers is stopped at its time limit", async () => {
  await using remote = startStallingRemote();
  await using dirs = await tempDirs();
  await assert.rejects(
    installPlugin({
      spec: "acme/hello",
      ...dirs,
      gitBase: remote.base,
      gitTimeoutMs: 1500,
      confirm: () => Promise.resolve(true),
    }),
    /git clone took longer than 1\.5 s and was stopped: the remote is not answering or is too slow \(RUNGPT_GIT_TIMEOUT_MS sets the limit\)/,
  );
  assert.ok(remote.connections() > 0, "git did reach the remote");
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);
});

Deno.test("jobs: cancelled during the clone; cancelled by close() while waiting for consent", async () => {
  await using remote = startStallingRemote();
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  await using dirs = await tempDirs();

  const stalled = createJobRunner({ ...dirs, gitBase: remote.base });
  const cloning = stalled.start({ action: "install", spec: "acme/hello" });
  const cancelled = finished(stalled, cloning.id, (e) => {
    if (e.type === "progress" && e.step.startsWith("cloning")) stalled.cancel(cloning.id);
  });
  const last = (await cancelled).at(-1)!;
  assert.ok(last.type === "error" && /^cancelled: nothing was installed/.test(last.message));
  assert.equal(stalled.cancel(cloning.id), false, "a finished job cannot be cancelled");
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);

  // Shutting down while a job waits for the user's answer.
  const jobs = createJobRunner({ ...dirs, gitBase: git.base });
  const waiting = jobs.start({ action: "install", spec: "acme/hello" });
  const asked = Promise.withResolvers<void>();
  const ended = finished(jobs, waiting.id, (e) => e.type === "consent" && asked.resolve());
  await asked.promise;
  assert.equal((await workDirs(dirs.pluginsDir)).length, 1, "the clone waits with the question");
  await jobs.close();
  const outcome = (await ended).at(-1)!;
  assert.ok(
    outcome.type === "error" && /^cancelled/.test(outcome.message),
    JSON.stringify(outcome),
  );
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);
  assert.throws(() => jobs.start({ action: "install", spec: "acme/hello" }), JobsClosedError);
});

Deno.test("cli: an install interrupted while it asks deletes its clone", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  await using dirs = await tempDirs();
  const interrupt = new AbortController();
  const err: string[] = [];
  const code = await runPluginCommand(["install", "acme/hello"], {
    ...dirs,
    env: { RUNGPT_GIT_BASE: git.base },
    isTerminal: true,
    stdout: () => {},
    stderr: (l) => err.push(l),
    // The user presses Ctrl+C at the question instead of answering.
    prompt: async () => {
      assert.equal((await workDirs(dirs.pluginsDir)).length, 1);
      interrupt.abort();
      return await new Promise<string>(() => {});
    },
    signal: interrupt.signal,
  });
  assert.equal(code, 1);
  assert.match(err.at(-1)!, /^error: cancelled/);
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);
});

Deno.test("cli: SIGTERM during a clone deletes it before the process exits", async () => {
  await using remote = startStallingRemote();
  await using dirs = await tempDirs();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "plugin", "install", "acme/hello", "--yes"],
    cwd: ROOT,
    env: {
      RUNGPT_GIT_BASE: remote.base,
      RUNGPT_PLUGINS_DIR: dirs.pluginsDir,
      RUNGPT_DATA_DIR: dirs.dataDir,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await waitFor(
    "the clone to start",
    async () =>
      remote.connections() > 0 && (await workDirs(dirs.pluginsDir)).length === 1 || undefined,
  );
  child.kill("SIGTERM");
  const out = await child.output();
  assert.equal(out.code, 1, new TextDecoder().decode(out.stderr));
  assert.match(new TextDecoder().decode(out.stderr), /error: cancelled: nothing was installed/);
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);
});

Deno.test("cli: Ctrl+C ends a command that has nothing to clean up at once", async () => {
  await using dirs = await tempDirs();
  // A plugin repository whose action never returns (until the 30 s time limit).
  const repo = join(dirs.dataDir, "loop");
  await Deno.mkdir(repo, { recursive: true });
  await Deno.writeTextFile(
    join(repo, "rungpt.yaml"),
    stringify({
      name: "loop",
      version: "1.0.0",
      description: "Loops forever.",
      wasm: "plugin.wasm",
      actions: [{ name: "spin", description: "Never returns." }],
    }),
  );
  await Deno.writeFile(join(repo, "plugin.wasm"), await buildFixture("loop"));
  const runData = join(dirs.dataDir, "run");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "plugin", "run", repo, "spin", "--data-dir", runData],
    cwd: ROOT,
    env: { RUNGPT_PLUGINS_DIR: dirs.pluginsDir, RUNGPT_DATA_DIR: dirs.dataDir },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // The plugin's data dir appears as it loads: the action is about to run.
  await waitFor(
    "the plugin to load",
    () => Deno.stat(join(runData, "plugins", "loop")).then(() => true, () => undefined),
  );
  const sent = performance.now();
  child.kill("SIGINT");
  const status = await child.status;
  const took = performance.now() - sent;
  assert.ok(took < 10_000, `ended ${Math.round(took)} ms after Ctrl+C`);
  assert.ok(!status.success);
});

Deno.test("sweep: work dirs of processes that died are deleted, a live one's never", async () => {
  await using dirs = await tempDirs();
  await Deno.mkdir(dirs.pluginsDir, { recursive: true });
  const workdirs = new URL("../../../lib/plugins/workdirs.ts", import.meta.url).href;
  // A process that makes a work dir, says where, and then waits until its stdin closes
  // (`exit` first: it dies without cleaning up, as a killed install would).
  const spawn = (exit: boolean) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { createWorkDir } from ${JSON.stringify(workdirs)};
         const w = await createWorkDir(${JSON.stringify(dirs.pluginsDir)}, ".install-");
         console.log(w.path);
         ${exit ? "Deno.exit(0);" : "for await (const _ of Deno.stdin.readable) {} Deno.exit(0);"}`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  const readPath = async (child: Deno.ChildProcess) => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    return value!.trim().split("/").at(-1)!;
  };
  const dead = spawn(true);
  const deadDir = await readPath(dead);
  await dead.stdin.close();
  await dead.status;
  const live = spawn(false);
  const liveDir = await readPath(live);

  assert.deepEqual((await workDirs(dirs.pluginsDir)).sort(), [deadDir, liveDir].sort());
  assert.deepEqual(await sweepWorkDirs(dirs.pluginsDir), [deadDir]);
  assert.deepEqual(await workDirs(dirs.pluginsDir), [liveDir]);

  await live.stdin.close();
  await live.status;
  assert.deepEqual(await sweepWorkDirs(dirs.pluginsDir), [liveDir]);
  assert.deepEqual(await workDirs(dirs.pluginsDir), []);
  await live.stdout.cancel();
  await dead.stdout.cancel();
});

Deno.test("sweep: a work dir made while another install sweeps is never deleted", async () => {
  await using dirs = await tempDirs();
  await Deno.mkdir(dirs.pluginsDir, { recursive: true });
  // Two installs starting at once: one makes its work dir while the other sweeps. Its owner
  // file must be locked before a sweeper can see it.
  for (let i = 0; i < 200; i++) {
    const [work, swept] = await Promise.all([
      createWorkDir(dirs.pluginsDir, ".install-"),
      sweepWorkDirs(dirs.pluginsDir),
    ]);
    try {
      assert.deepEqual(swept, [], `round ${i}: swept a live work dir`);
      assert.ok((await Deno.stat(work.path)).isDirectory);
    } finally {
      await work.release();
    }
  }
});

Deno.test("server: Cancel stops a job's clone; shutdown ends a job waiting for consent", async () => {
  await using remote = startStallingRemote();
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });

  await using stalled = await startRungpt({ env: { RUNGPT_GIT_BASE: remote.base } });
  const res = await stalled.api("/api/plugins/jobs", {
    method: "POST",
    json: { action: "install", spec: "acme/hello" },
  });
  const { jobId } = await res.json();
  const ended = finished(stalled.server.services.jobs, jobId);
  await waitFor("the clone to start", () => remote.connections() > 0 || undefined);
  const cancel = () => stalled.api(`/api/plugins/jobs/${jobId}/cancel`, { method: "POST" });
  assert.deepEqual(await (await cancel()).json(), { ok: true });
  const last = (await ended).at(-1)!;
  assert.ok(last.type === "error" && /^cancelled/.test(last.message), JSON.stringify(last));
  assert.equal((await cancel()).status, 409, "a finished job");
  for (const what of ["cancel", "consent"]) {
    const unknown = await stalled.api(`/api/plugins/jobs/no-such-job/${what}`, {
      method: "POST",
      json: what === "consent" ? { allow: true } : undefined,
    });
    assert.equal(unknown.status, 404, what);
    assert.match((await unknown.json()).error, /No job with id no-such-job/);
  }
  assert.deepEqual(await workDirs(stalled.pluginsDir), []);

  // A job waiting for the user's answer when the server stops.
  await using rg = await startRungpt({ env: { RUNGPT_GIT_BASE: git.base } });
  const waiting = rg.server.services.jobs.start({ action: "install", spec: "acme/hello" });
  await waitFor(
    "the question",
    () => waiting.events.some((e) => e.type === "consent") || undefined,
  );
  assert.equal((await workDirs(rg.pluginsDir)).length, 1);
  await rg.server.close();
  assert.ok(waiting.finished);
  assert.deepEqual(await workDirs(rg.pluginsDir), []);
});
