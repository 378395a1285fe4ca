/**
 * The job runner's consent wait: an unanswered consent question ends as "no" after the
 * timeout, and releases the plugins lock so other operations go on.
 */
import assert from "node:assert/strict";
import {
  createJobRunner,
  type JobEvent,
  JobsBusyError,
  MAX_RUNNING_JOBS,
} from "../../../lib/plugins/jobs.ts";
import { setEnabled } from "../../../lib/plugins/installed.ts";
import { createGitFixtures, pluginFiles, snapshotDir } from "../../support/git_fixtures.ts";

/** Resolves with every event of job `id` once it finished. */
function finished(jobs: ReturnType<typeof createJobRunner>, id: string): Promise<JobEvent[]> {
  return new Promise((resolve) => {
    const events: JobEvent[] = [];
    jobs.subscribe(id, (e) => {
      events.push(e);
      if (e.type === "done" || e.type === "error") resolve(events);
    });
  });
}

Deno.test("jobs: an unanswered consent counts as no and frees the plugins lock", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-jobs-" });
  try {
    const jobs = createJobRunner({
      pluginsDir,
      dataDir: `${pluginsDir}/data`,
      gitBase: git.base,
      consentTimeoutMs: 20,
    });
    const before = await snapshotDir(pluginsDir);
    const job = jobs.start({ action: "install", spec: "acme/hello" });
    const events = await finished(jobs, job.id);
    assert(events.some((e) => e.type === "consent"), "it asked");
    assert(events.some((e) => e.type === "progress" && /no answer within/.test(e.step)));
    const last = events.at(-1)!;
    assert(last.type === "error" && /not confirmed/.test(last.message), JSON.stringify(last));
    assert.equal(jobs.consent(job.id, true), false, "too late to answer");
    assert.deepEqual(await snapshotDir(pluginsDir), before, "nothing installed");

    // The lock is free again: the next job gets to its own question, and answering works.
    const next = jobs.start({ action: "install", spec: "acme/hello" });
    const done = new Promise<JobEvent[]>((resolve) => {
      const seen: JobEvent[] = [];
      jobs.subscribe(next.id, (e) => {
        seen.push(e);
        if (e.type === "consent") jobs.consent(next.id, true);
        if (e.type === "done" || e.type === "error") resolve(seen);
      });
    });
    assert.equal((await done).at(-1)?.type, "done");
    await setEnabled(pluginsDir, "hello", false); // Would wait forever on a held lock.
  } finally {
    await Deno.remove(pluginsDir, { recursive: true });
  }
});

Deno.test("jobs: a question left open does not block other plugin changes", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  await (await git.createRepo("acme", "other")).commit(pluginFiles({ name: "other" }), {
    tags: ["v1.0.0"],
  });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-jobs-" });
  try {
    const jobs = createJobRunner({ pluginsDir, dataDir: `${pluginsDir}/data`, gitBase: git.base });
    const install = (spec: string, answer: boolean) => {
      const job = jobs.start({ action: "install", spec });
      return new Promise<JobEvent[]>((resolve) => {
        const seen: JobEvent[] = [];
        jobs.subscribe(job.id, (e) => {
          seen.push(e);
          if (e.type === "consent" && answer) jobs.consent(job.id, true);
          if (e.type === "done" || e.type === "error") resolve(seen);
        });
      });
    };
    // The first install asks and is never answered during this test.
    const waiting = jobs.start({ action: "install", spec: "acme/hello" });
    while (!waiting.events.some((e) => e.type === "consent")) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // Meanwhile another install and a settings change go through.
    assert.equal((await install("acme/other", true)).at(-1)?.type, "done");
    await setEnabled(pluginsDir, "other", false);
    // Answering the first one later still installs it.
    const first = new Promise<JobEvent[]>((resolve) => {
      const seen: JobEvent[] = [];
      jobs.subscribe(waiting.id, (e) => {
        seen.push(e);
        if (e.type === "done" || e.type === "error") resolve(seen);
      });
    });
    assert.ok(jobs.consent(waiting.id, true));
    assert.equal((await first).at(-1)?.type, "done");
  } finally {
    await Deno.remove(pluginsDir, { recursive: true });
  }
});

Deno.test("jobs: at most 8 run at once; the next is refused until one ends", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-jobs-" });
  const jobs = createJobRunner({ pluginsDir, dataDir: `${pluginsDir}/data`, gitBase: git.base });
  try {
    // Each waits for an answer that does not come.
    const waiting = Array.from(
      { length: MAX_RUNNING_JOBS },
      () => jobs.start({ action: "install", spec: "acme/hello" }),
    );
    assert.throws(
      () => jobs.start({ action: "install", spec: "acme/hello" }),
      (e: Error) => {
        assert.ok(e instanceof JobsBusyError);
        assert.match(e.message, /^8 installs and updates are already running or waiting/);
        return true;
      },
    );
    assert.ok(jobs.cancel(waiting[0].id));
    await waiting[0].done;
    const next = jobs.start({ action: "install", spec: "acme/hello" });
    assert.ok(jobs.cancel(next.id));
  } finally {
    await jobs.close();
    await Deno.remove(pluginsDir, { recursive: true });
  }
});

Deno.test("jobs: running() lists a job until it ends, so a reopened page finds its question", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-jobs-" });
  try {
    const jobs = createJobRunner({ pluginsDir, dataDir: `${pluginsDir}/data`, gitBase: git.base });
    assert.deepEqual(jobs.running(), []);
    const job = jobs.start({ action: "install", spec: "acme/hello" });
    const asked = new Promise<void>((resolve) =>
      jobs.subscribe(job.id, (e) => e.type === "consent" && resolve())
    );
    await asked;
    assert.deepEqual(jobs.running().map((j) => j.id), [job.id]);
    const events = finished(jobs, job.id);
    assert.equal(jobs.consent(job.id, true), true);
    assert.equal((await events).at(-1)?.type, "done");
    assert.deepEqual(jobs.running(), []);
  } finally {
    await Deno.remove(pluginsDir, { recursive: true });
  }
});
