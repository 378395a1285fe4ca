/**
 * docs/mcp-serve.md stays in sync with the code where that is cheap to check: the `mcpServers`
 * entry runs `deno task mcp-serve`'s command (which mcp_serve_test.ts starts), the session bounds,
 * and every scenario of the conformance baseline is in the table.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { DEFAULT_MCP_SESSION_LIMITS } from "../../../lib/mcp_serve/sessions.ts";

const ROOT = new URL("../../../", import.meta.url);
const DOC = await Deno.readTextFile(new URL("docs/mcp-serve.md", ROOT));

Deno.test("mcp-serve.md: the mcpServers entry is deno task mcp-serve's command", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const task = (config.tasks["mcp-serve"] as string).split(/\s+/);
  const json = /```json\n(\{\n {2}"mcpServers"[\s\S]*?)```/.exec(DOC);
  assert.ok(json, "no mcpServers entry");
  const entry = JSON.parse(json[1]).mcpServers.rungpt;
  assert.equal(entry.command, task[0]);
  const checkout = "/home/me/rungpt/";
  const expected = task.slice(1).map((w) => w === "main.ts" ? `${checkout}main.ts` : w);
  expected.splice(1, 0, `--config=${checkout}deno.json`);
  assert.deepEqual(entry.args, expected);
});

Deno.test("mcp-serve.md: the session bounds and the not-applicable scenarios", async () => {
  const { maxSessions, idleMs, maxBodyBytes } = DEFAULT_MCP_SESSION_LIMITS;
  assert.match(DOC, new RegExp(`${maxSessions} sessions at once`));
  assert.match(DOC, new RegExp(`unused for ${idleMs / 60_000} minutes`));
  assert.match(DOC, new RegExp(`at most ${maxBodyBytes / 1024 / 1024} MiB`));
  const baseline = parse(
    await Deno.readTextFile(new URL("scripts/conformance_server_baseline.yml", ROOT)),
  ) as { server: string[] };
  const table = DOC.slice(DOC.indexOf("## Conformance: rungpt as a server"));
  for (const scenario of baseline.server) {
    // The table shortens a run of one family: `resources-list, -read-text`.
    const [family, ...rest] = scenario.split("-");
    const short = `-${rest.slice(family === "tools" ? 1 : 0).join("-")}`;
    assert.ok(
      table.includes(scenario) || table.includes(short),
      `${scenario} is not in the conformance table`,
    );
  }
});
