import assert from "node:assert/strict";
import { applyJobEvent, jobTitle, newJob } from "../../../lib/ui/plugin_job.ts";
import type { JobEvent } from "../../../lib/plugins/jobs.ts";

const done = (fields: Partial<Extract<JobEvent, { type: "done" }>>) =>
  applyJobEvent(newJob("Updating weather"), {
    type: "done",
    plugin: "weather",
    version: "1.1.0",
    ...fields,
  });

Deno.test("a finished job says what happened: installed, updated, newer commit, up to date", () => {
  assert.equal(done({}).message, "Installed weather 1.1.0.");
  assert.equal(done({}).phase, "done");
  assert.equal(
    done({ previousVersion: "1.0.0" }).message,
    "Updated weather from 1.0.0 to 1.1.0.",
  );
  assert.equal(
    done({ previousVersion: "1.1.0" }).message,
    "Updated weather 1.1.0 to a newer commit.",
  );
  assert.equal(
    done({ previousVersion: "1.1.0", unchanged: true }).message,
    "weather is up to date (1.1.0).",
  );
});

Deno.test("jobTitle: the same heading when started and when a reopened page finds the job", () => {
  assert.equal(
    jobTitle({ action: "install", spec: "https://github.com/acme/weather" }),
    "Installing https://github.com/acme/weather",
  );
  assert.equal(jobTitle({ action: "update", name: "weather" }), "Updating weather");
});
