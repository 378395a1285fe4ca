/**
 * A plugin's log lines as the server shows them, over a real server, a real git install and
 * the real `logger` wasm fixture: control characters escaped in the server log and the
 * plugin's logs API, and a flood held to the plugin's log budget.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { createGitFixtures } from "../support/git_fixtures.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { buildFixture } from "../support/wasm_fixtures.ts";
import { installPlugin } from "../../lib/plugins/install.ts";
import { DEFAULT_LOG_BUDGET } from "../../lib/plugins/host/log.ts";
import { DEFAULT_LIMITS, type LogEntry } from "../../lib/plugins/registry.ts";

// Any C0 or C1 control, or a bidi override, left raw.
// deno-lint-ignore no-control-regex -- finding raw controls is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

Deno.test("plugin logs: forged lines and escape sequences reach neither the server log nor the page raw", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "logger");
  await repo.commit({
    "rungpt.yaml": stringify({
      name: "logger",
      version: "1.0.0",
      description: "Writes log lines.",
      wasm: "plugin.wasm",
      apis: ["rungpt:log"],
      actions: [
        { name: "hello", description: "Logs its input." },
        { name: "flood", description: "Logs many lines." },
      ],
    }),
    "plugin.wasm": await buildFixture("logger"),
  }, { tags: ["v1.0.0"] });
  await using rg = await startRungpt();
  await installPlugin({
    spec: "acme/logger",
    pluginsDir: rg.pluginsDir,
    dataDir: rg.dataDir,
    gitBase: git.base,
    confirm: () => Promise.resolve(true),
  });

  const forged = "fetched\nerror: rungpt: the database is corrupt\x1b]0;pwned\x07\x1b[2J\r\u202Eok";
  await rg.server.services.plugins.call(
    "logger",
    "hello",
    JSON.stringify({ level: "info", message: forged }),
  );
  const escaped =
    "fetched\\nerror: rungpt: the database is corrupt\\x1b]0;pwned\\u0007\\x1b[2J\\r\\u202eok";
  const serverLines = rg.logs.filter((l) => l.startsWith("[plugin logger]"));
  assert.deepEqual(serverLines, [
    `[plugin logger] info: ${escaped}`,
    "[plugin logger] info: extism says hi",
  ]);
  assert(!rg.logs.some((l) => RAW_CONTROL.test(l)), JSON.stringify(rg.logs));
  assert(!rg.logs.some((l) => l.startsWith("error: rungpt:")));

  const res = await rg.api("/api/plugins/logger");
  assert.equal(res.status, 200);
  const { logs } = await res.json() as { logs: LogEntry[] };
  assert.deepEqual(logs.map((l) => l.message), [escaped, "extism says hi"]);

  // A flood: the burst and what the budget refills while it runs pass, never all of it.
  const before = rg.logs.length;
  assert.equal(await rg.server.services.plugins.call("logger", "flood", "1000"), "1000");
  const passed = rg.logs.slice(before).filter((l) => /^\[plugin logger\] info: line \d+$/.test(l));
  const { burstLines, linesPerSecond } = DEFAULT_LOG_BUDGET;
  // The call cannot outlast its time limit, so neither can the refill.
  const most = burstLines + linesPerSecond * DEFAULT_LIMITS.timeoutMs / 1000;
  assert(passed.length > 0 && passed.length <= most, `${passed.length} lines passed`);
  const apiLogs = (await (await rg.api("/api/plugins/logger")).json()).logs as LogEntry[];
  assert(apiLogs.length <= 200, "the page keeps a bounded list");
});
