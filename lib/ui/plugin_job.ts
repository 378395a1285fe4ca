/**
 * The state of one install or update job as the plugin manager page shows it, folded from the
 * job's events (lib/plugins/jobs.ts). Plain data and pure functions, so a replay after a
 * reconnect rebuilds the same state.
 * @module
 */
import type { ConsentSummary } from "../plugins/consent.ts";
import type { JobEvent, JobRequest } from "../plugins/jobs.ts";

/** Where a job stands. */
export type JobPhase = "starting" | "running" | "consent" | "done" | "error" | "cancelled";

/** One job, as shown. */
export interface JobView {
  /** Set once the server accepted the job. */
  id: string | null;
  /** What was asked, for the heading: "Installing acme/weather", "Updating weather". */
  title: string;
  phase: JobPhase;
  /** Progress steps so far, oldest first. */
  steps: string[];
  /** The summary to agree to, while `phase` is `consent` (kept after, for the record). */
  consent: ConsentSummary | null;
  /**
   * The user's answer to the consent dialog. After "deny" the job's refusal error is expected,
   * not a failure; a replayed `consent` event never asks twice.
   */
  answer: "allow" | "deny" | null;
  /** The error message (phase `error`), or the outcome line (phase `done`). */
  message: string | null;
  /** The plugin installed or updated, once done. */
  plugin: string | null;
}

const CANCELLED = "Cancelled: nothing was installed or changed.";

/**
 * A job that was just asked for.
 *
 * @example
 * ```ts
 * const job = newJob("Installing acme/weather");
 * ```
 */
export function newJob(title: string): JobView {
  return {
    id: null,
    title,
    phase: "starting",
    steps: [],
    consent: null,
    answer: null,
    message: null,
    plugin: null,
  };
}

/**
 * The heading of a job, the same when it is started and when a reopened page finds it.
 *
 * @example
 * ```ts
 * jobTitle({ action: "update", name: "weather" }); // "Updating weather"
 * ```
 */
export function jobTitle(request: JobRequest): string {
  return request.action === "install" ? `Installing ${request.spec}` : `Updating ${request.name}`;
}

/** Drops what the events built, keeping id, title and the user's answer (before a replay). */
export function resetJob(job: JobView): JobView {
  return { ...newJob(job.title), id: job.id, answer: job.answer };
}

/** The job once the user answered the consent dialog. */
export function answerJob(job: JobView, allow: boolean): JobView {
  return allow
    ? { ...job, answer: "allow", phase: "running" }
    : { ...job, answer: "deny", phase: "cancelled", message: CANCELLED };
}

/**
 * The job after `event`.
 *
 * @example
 * ```ts
 * job = applyJobEvent(job, { type: "progress", step: "validating manifest" });
 * ```
 */
export function applyJobEvent(job: JobView, event: JobEvent): JobView {
  switch (event.type) {
    case "progress":
      return {
        ...job,
        phase: job.phase === "consent" ? "consent" : "running",
        steps: [...job.steps, event.step],
      };
    case "consent":
      return {
        ...job,
        phase: job.answer === null ? "consent" : job.answer === "allow" ? "running" : "cancelled",
        consent: event.summary,
      };
    case "done":
      return {
        ...job,
        phase: "done",
        plugin: event.plugin,
        message: event.previousVersion === undefined
          ? `Installed ${event.plugin} ${event.version}.`
          : event.unchanged
          ? `${event.plugin} is up to date (${event.version}).`
          : event.previousVersion === event.version
          ? `Updated ${event.plugin} ${event.version} to a newer commit.`
          : `Updated ${event.plugin} from ${event.previousVersion} to ${event.version}.`,
      };
    case "error":
      return job.answer === "deny"
        ? { ...job, phase: "cancelled", message: CANCELLED }
        : { ...job, phase: "error", message: event.message };
  }
}

/** True while the job may still change something. */
export function isActive(job: JobView | null): boolean {
  return job !== null && (job.phase === "starting" || job.phase === "running" ||
    job.phase === "consent");
}
