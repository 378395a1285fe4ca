// The official MCP conformance suite (@modelcontextprotocol/conformance from npm) runs its
// client scenarios against rungpt's MCP client (scripts/mcp_conformance_client.ts, which uses
// lib/mcp): each scenario that applies must pass. The scenarios are the deno task's.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const TASK: string = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks[
  "conformance:client"
];

/** The suite's command line for one scenario, as the task has it. */
function scenarioCommand(scenario: string): string {
  const one = TASK.split(" && ").find((c) => c.endsWith(`--scenario ${scenario}`));
  assert.ok(one, `the conformance:client task runs ${scenario}`);
  return one;
}

for (const scenario of ["initialize", "tools_call", "sse-retry"]) {
  Deno.test(`mcp conformance: the client scenario ${scenario} passes`, async () => {
    const { code, stdout, stderr } = await new Deno.Command("sh", {
      args: ["-c", scenarioCommand(scenario)],
      cwd: ROOT,
      stdin: "null",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.match(output, /OVERALL: PASSED/, output.slice(-3000));
    assert.doesNotMatch(output, /\bFAILURE\b/);
    assert.equal(code, 0, output.slice(-3000));
  });
}
