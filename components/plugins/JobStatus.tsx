/**
 * The live progress of an install or update job: its steps as they happen, then the outcome
 * (an error such as a bad manifest's message is shown as an alert).
 * @module
 */
import type { JobView } from "../../lib/ui/plugin_job.ts";

/** Props of {@linkcode JobStatus}. */
export interface JobStatusProps {
  job: JobView;
  /** Hides a finished job's panel. */
  onDismiss(): void;
  /** Cancels the job while it runs (before it asks for consent, or after). */
  onCancel?(): void;
}

/** The job panel under the install form. */
export function JobStatus({ job, onDismiss, onCancel }: JobStatusProps) {
  const finished = job.phase === "done" || job.phase === "error" || job.phase === "cancelled";
  return (
    // A group, not a region: regions on this page are the plugins, named after them.
    <div class={`job job-${job.phase}`} role="group" aria-labelledby="job-title">
      <h3 id="job-title">{job.title}</h3>
      <ol class="job-steps" role="log" aria-label="Progress" aria-live="polite">
        {job.phase === "starting" && <li>starting…</li>}
        {job.steps.map((s, i) => <li key={i}>{s}</li>)}
      </ol>
      {job.phase === "error" && (
        <div class="notice notice-error" role="alert">
          <span>
            <strong>Failed:</strong> {job.message}
          </span>
        </div>
      )}
      {(job.phase === "done" || job.phase === "cancelled") && (
        <div class={`notice ${job.phase === "done" ? "notice-ok" : ""}`} role="status">
          <span>{job.message}</span>
        </div>
      )}
      {finished && <button type="button" class="btn btn-small" onClick={onDismiss}>Dismiss</button>}
      {onCancel && job.id && (job.phase === "starting" || job.phase === "running") && (
        <button type="button" class="btn btn-small" onClick={onCancel}>Cancel</button>
      )}
    </div>
  );
}
