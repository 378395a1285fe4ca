import assert from "node:assert/strict";
import { type LogBudget, LogLimiter, PluginLog } from "../../../lib/plugins/host/log.ts";
import type { LogEntry } from "../../../lib/plugins/registry.ts";

const BUDGET: LogBudget = { burstLines: 5, linesPerSecond: 2, burstBytes: 100, bytesPerSecond: 10 };

/** A limiter on a clock the test moves. */
function clocked(budget = BUDGET) {
  const clock = { now: 0 };
  return { clock, limiter: new LogLimiter(budget, () => clock.now) };
}

Deno.test("log limiter: a burst of lines, then the steady rate", () => {
  const { clock, limiter } = clocked();
  const passed = Array.from({ length: 8 }, () => limiter.admit(1)).filter(Boolean).length;
  assert.equal(passed, 5);
  assert.equal(limiter.admit(1), false);
  clock.now += 1000;
  assert.equal(limiter.admit(1), true);
  assert.equal(limiter.admit(1), true);
  assert.equal(limiter.admit(1), false, "2 lines a second");
});

Deno.test("log limiter: the byte budget holds back big lines while small ones still pass", () => {
  const { clock, limiter } = clocked();
  assert.equal(limiter.admit(60), true);
  assert.equal(limiter.admit(60), false, "100 bytes at once");
  assert.equal(limiter.admit(30), true);
  clock.now += 2000; // 20 bytes back: 30 in all
  assert.equal(limiter.admit(40), false);
  assert.equal(limiter.admit(30), true);
});

Deno.test("plugin log: dropped lines are reported once, when a line passes again", () => {
  const { clock, limiter } = clocked();
  const seen: LogEntry[] = [];
  const log = new PluginLog("noisy", { limiter, onLog: (e) => seen.push(e) });
  for (let i = 0; i < 1005; i++) log.write("info", `line ${i}`);
  log.flush(); // nothing may pass yet: the report waits
  assert.equal(seen.length, 5);
  clock.now += 1000;
  log.flush();
  log.write("info", "next");
  assert.deepEqual(seen.slice(5).map((e) => e.message), [
    "… 1,000 lines dropped: the plugin logged faster than rungpt's log rate limit allows",
    "next",
  ]);
  assert.equal(log.ring.entries.length, 7);
});

Deno.test("plugin log: a message is cut at 4096 characters and its controls escaped", () => {
  const seen: LogEntry[] = [];
  const log = new PluginLog("long", { onLog: (e) => seen.push(e) });
  log.write("warn", "\x1b[2J" + "x".repeat(5000));
  assert.equal(seen[0].message, "\\x1b[2J" + "x".repeat(4092) + "…");
});

Deno.test("plugin log: secret values are taken out, the longest first; tiny ones are left", () => {
  const seen: LogEntry[] = [];
  const log = new PluginLog("svc", {
    onLog: (e) => seen.push(e),
    secrets: { token: "abcd", long_token: "abcd-efgh", pin: "42" },
  });
  log.write("info", "t=abcd-efgh u=abcd pin=42");
  assert.equal(seen[0].message, "t=[secret long_token] u=[secret token] pin=42");
});
