import assert from "node:assert/strict";
import { groupByDate } from "../../../lib/ui/date_groups.ts";

/** Local time (the test's own time zone), so the expectations hold in any zone. */
const at = (y: number, mo: number, d: number, h = 12, mi = 0) =>
  new Date(y, mo - 1, d, h, mi).getTime();

const chat = (id: string, updatedAt: number, pinned = false) => ({ id, updatedAt, pinned });

function labels(groups: { label: string; items: { id: string }[] }[]) {
  return groups.map((g) => `${g.label}: ${g.items.map((c) => c.id).join(",")}`);
}

Deno.test("groups: Pinned, Today, Yesterday, Previous 7 and 30 days, then months", () => {
  const now = new Date(at(2026, 3, 20, 9));
  const groups = groupByDate(
    [
      chat("month", at(2026, 1, 5)),
      chat("today-early", at(2026, 3, 20, 0, 1)),
      chat("yesterday", at(2026, 3, 19, 23, 59)),
      chat("pin-old", at(2025, 12, 1), true),
      chat("week", at(2026, 3, 13)),
      chat("today-late", at(2026, 3, 20, 8)),
      chat("thirty", at(2026, 2, 18)),
      chat("older-month", at(2026, 2, 1)),
      chat("future", at(2026, 3, 21)),
    ],
    now,
    "en-US",
  );
  assert.deepEqual(labels(groups), [
    "Pinned: pin-old",
    "Today: future,today-late,today-early",
    "Yesterday: yesterday",
    "Previous 7 days: week",
    "Previous 30 days: thirty",
    "February 2026: older-month",
    "January 2026: month",
  ]);
});

Deno.test("groups: a minute past midnight, last evening is Yesterday", () => {
  const evening = at(2026, 3, 19, 23, 58);
  assert.deepEqual(labels(groupByDate([chat("a", evening)], new Date(at(2026, 3, 19, 23, 59)))), [
    "Today: a",
  ]);
  assert.deepEqual(labels(groupByDate([chat("a", evening)], new Date(at(2026, 3, 20, 0, 1)))), [
    "Yesterday: a",
  ]);
  assert.deepEqual(groupByDate([], new Date()), []);
});

/** The labels `groupByDate` gives in time zone `tz`, in a Deno of its own (zones are per process). */
async function labelsIn(tz: string, updatedAt: number, now: number): Promise<string> {
  const module = new URL("../../../lib/ui/date_groups.ts", import.meta.url).href;
  const code = `import { groupByDate } from ${JSON.stringify(module)};
    const [g] = groupByDate([{ updatedAt: ${updatedAt}, pinned: false }], new Date(${now}), "en-US");
    console.log(g.label);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    env: { TZ: tz },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, `deno eval in ${tz} failed`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("groups follow the browser's time zone: the same instants, different days", async () => {
  // 2026-03-20 06:30 UTC, and a chat from 2026-03-19 22:00 UTC.
  const now = Date.UTC(2026, 2, 20, 6, 30);
  const chatAt = Date.UTC(2026, 2, 19, 22, 0);
  // UTC: the 20th vs the 19th. Tokyo (+9): 15:30 and 07:00 on the 20th. Los Angeles (-7):
  // 23:30 and 15:00 on the 19th.
  assert.equal(await labelsIn("UTC", chatAt, now), "Yesterday");
  assert.equal(await labelsIn("Asia/Tokyo", chatAt, now), "Today");
  assert.equal(await labelsIn("America/Los_Angeles", chatAt, now), "Today");
  // Across a DST change (Europe/Berlin, 29 March 2026): still whole calendar days.
  const afterDst = Date.UTC(2026, 2, 30, 10);
  assert.equal(
    await labelsIn("Europe/Berlin", Date.UTC(2026, 2, 28, 22, 30), afterDst),
    "Previous 7 days",
  );
  assert.equal(await labelsIn("Europe/Berlin", Date.UTC(2026, 2, 29, 10), afterDst), "Yesterday");
});
