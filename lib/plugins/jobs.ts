/**
 * Install and update jobs started from the browser: each runs the installer, records its
 * progress as events (replayed to late subscribers), and pauses at the consent step until
 * the user answers in the page. A job can be cancelled (during the clone, or while it waits
 * for an answer); closing the runner cancels every job and waits for them to clean up.
 * @module
 */
import type { ConsentSummary } from "./consent.ts";
import { installPlugin, type ModuleValidator, updatePlugin } from "./install.ts";
import type { RepoLimits } from "./repo_limits.ts";

/** Thrown by `start` once the runner is closed (rungpt is stopping). */
export class JobsClosedError extends Error {
  override name = "JobsClosedError";
}

/**
 * The most jobs that run (or wait for an answer) at once: each clones a repository into the
 * plugins dir, so requests must not start them without bound.
 */
export const MAX_RUNNING_JOBS = 8;

/** Finished jobs kept for late subscribers, at most (the oldest go first). */
const MAX_FINISHED_JOBS = 100;

/** Thrown by `start` while {@linkcode MAX_RUNNING_JOBS} jobs are running. */
export class JobsBusyError extends Error {
  override name = "JobsBusyError";
}

/** What a job reports. */
export type JobEvent =
  | { type: "progress"; step: string }
  | { type: "consent"; summary: ConsentSummary }
  | {
    type: "done";
    plugin: string;
    version: string;
    previousVersion?: string;
    /** An update that found nothing newer. */
    unchanged?: boolean;
  }
  | { type: "error"; message: string };

/** What to do. */
export type JobRequest =
  | { action: "install"; spec: string; allowPrivateNetwork?: boolean }
  | { action: "update"; name: string; ref?: string };

/** One job's state. */
export interface Job {
  id: string;
  request: JobRequest;
  events: JobEvent[];
  finished: boolean;
  /** When it finished (ms since epoch), for pruning. */
  finishedAt?: number;
  listeners: Set<(event: JobEvent) => void>;
  /** Set while the job waits for consent. */
  answer?: (allow: boolean) => void;
  /** Cancels the job until it starts to swap the new version in. */
  controller: AbortController;
  /** Settles when the job has finished and cleaned up. */
  done: Promise<void>;
}

/** Options of {@linkcode createJobRunner}. */
export interface JobRunnerOptions {
  pluginsDir: string;
  /** The app's data dir (plugins' own files; see `FetchOptions.dataDir`). */
  dataDir: string;
  gitBase?: string;
  validateModule?: ModuleValidator;
  /** Time limit of a clone (ms); see `FetchOptions.gitTimeoutMs`. */
  gitTimeoutMs?: number;
  /** Size and file limits of a repository; see `FetchOptions.repoLimits`. */
  repoLimits?: Partial<RepoLimits>;
  /** Called after a job changed the installed plugins. */
  onChange?: (name: string) => Promise<void> | void;
  /** How long a finished job stays available to late subscribers (ms). */
  keepMs?: number;
  /**
   * How long a job waits for the user's answer before it counts as "no" (ms; default
   * 10 minutes). A waiting job keeps its clone in the plugins dir (it takes the plugins lock
   * only to swap the new version in, after the answer), so an abandoned dialog must not keep
   * it there forever.
   */
  consentTimeoutMs?: number;
}

/** The job runner's API. */
export interface JobRunner {
  start(request: JobRequest): Job;
  get(id: string): Job | undefined;
  /** The jobs not finished yet (running or waiting for consent), oldest first. */
  running(): Job[];
  /** Answers a job waiting for consent; false when it is not waiting. */
  consent(id: string, allow: boolean): boolean;
  /** Replays the job's events, then follows it; returns the unsubscribe function. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void;
  /** Cancels a running job (it ends with an error saying so); false when it is not running. */
  cancel(id: string): boolean;
  /** Cancels every running job and waits until each has cleaned up; refuses new ones. */
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const jobs = createJobRunner({ pluginsDir, dataDir });
 * const job = jobs.start({ action: "install", spec: "user/repo" });
 * ```
 */
export function createJobRunner(opts: JobRunnerOptions): JobRunner {
  const jobs = new Map<string, Job>();
  let closed = false;

  function emit(job: Job, event: JobEvent) {
    job.events.push(event);
    for (const listener of job.listeners) listener(event);
  }

  async function run(job: Job) {
    const common = {
      pluginsDir: opts.pluginsDir,
      dataDir: opts.dataDir,
      signal: job.controller.signal,
      gitTimeoutMs: opts.gitTimeoutMs,
      repoLimits: opts.repoLimits,
      gitBase: opts.gitBase,
      validateModule: opts.validateModule,
      onProgress: (step: string) => emit(job, { type: "progress", step }),
      confirm: (summary: ConsentSummary) =>
        new Promise<boolean>((resolve) => {
          const timeoutMs = opts.consentTimeoutMs ?? 10 * 60_000;
          const timer = setTimeout(() => {
            if (!job.answer) return;
            emit(job, {
              type: "progress",
              step: `no answer within ${Math.round(timeoutMs / 1000)} s: not installing`,
            });
            job.answer(false);
          }, timeoutMs);
          const signal = job.controller.signal;
          const onCancel = () => job.answer?.(false);
          job.answer = (allow) => {
            clearTimeout(timer);
            signal.removeEventListener("abort", onCancel);
            job.answer = undefined;
            resolve(allow);
          };
          // A cancelled job stops waiting (and its timer) at once.
          signal.addEventListener("abort", onCancel, { once: true });
          emit(job, { type: "consent", summary });
        }),
    };
    try {
      const { request } = job;
      const result = request.action === "install"
        ? await installPlugin({
          ...common,
          spec: request.spec,
          allowPrivateNetwork: request.allowPrivateNetwork,
        })
        : await updatePlugin(request.name, { ...common, ref: request.ref });
      if (!result.unchanged) await opts.onChange?.(result.name);
      emit(job, {
        type: "done",
        plugin: result.name,
        version: result.entry.version,
        previousVersion: result.previousVersion,
        unchanged: result.unchanged,
      });
    } catch (e) {
      emit(job, { type: "error", message: e instanceof Error ? e.message : String(e) });
    } finally {
      job.finished = true;
      job.finishedAt = Date.now();
      job.listeners.clear();
    }
  }

  return {
    start(request) {
      if (closed) throw new JobsClosedError("rungpt is shutting down; no new installs");
      // Finished jobs stay for late subscribers for a while; drop older ones here, not on a timer.
      const keepMs = opts.keepMs ?? 10 * 60_000;
      for (const [id, old] of jobs) {
        if (old.finishedAt !== undefined && Date.now() - old.finishedAt > keepMs) jobs.delete(id);
      }
      const finished = [...jobs.values()].filter((j) => j.finished);
      for (const old of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) {
        jobs.delete(old.id);
      }
      if ([...jobs.values()].filter((j) => !j.finished).length >= MAX_RUNNING_JOBS) {
        throw new JobsBusyError(
          `${MAX_RUNNING_JOBS} installs and updates are already running or waiting for an ` +
            "answer; finish or cancel one first.",
        );
      }
      const job: Job = {
        id: crypto.randomUUID(),
        request,
        events: [],
        finished: false,
        listeners: new Set(),
        controller: new AbortController(),
        done: Promise.resolve(),
      };
      jobs.set(job.id, job);
      job.done = run(job);
      return job;
    },
    cancel(id) {
      const job = jobs.get(id);
      if (!job || job.finished) return false;
      job.controller.abort();
      return true;
    },
    async close() {
      closed = true;
      const running = [...jobs.values()].filter((j) => !j.finished);
      for (const job of running) job.controller.abort();
      await Promise.all(running.map((j) => j.done));
    },
    get: (id) => jobs.get(id),
    running: () => [...jobs.values()].filter((j) => !j.finished),
    consent(id, allow) {
      const job = jobs.get(id);
      if (!job?.answer) return false;
      job.answer(allow);
      return true;
    },
    subscribe(id, listener) {
      const job = jobs.get(id);
      if (!job) return () => {};
      for (const event of job.events) listener(event);
      if (job.finished) return () => {};
      job.listeners.add(listener);
      return () => job.listeners.delete(listener);
    },
  };
}
