// Stopping rungpt — the real process, by SIGTERM or SIGINT — leaves no MCP server process
// behind. The server is the fixture added as an unsandboxed command (`deno run -A …`) through
// the CLI, which also shows everywhere that it runs with the user's full rights.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMcp } from "../support/mcp.ts";
import { spawnRungpt } from "../support/rungpt_process.ts";

const FIXTURE = new URL("../fixtures/mcp/fixture_server.ts", import.meta.url).pathname;

/** Whether process `pid` exists (the shell's `kill -0`: reading /proc needs --allow-all). */
async function alive(pid: number): Promise<boolean> {
  const { code } = await new Deno.Command("sh", {
    args: ["-c", `kill -0 ${pid}`],
    stderr: "null",
  }).output();
  return code === 0;
}

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} was never written`);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`mcp lifecycle: ${signal} to rungpt stops its MCP server processes`, async () => {
    const root = await Deno.makeTempDir({ prefix: "rungpt-mcp-life-" });
    const dataDir = join(root, "data");
    const pluginsDir = join(root, "plugins");
    const pidFile = join(root, "server.pid");
    try {
      const dirs = { dataDir, pluginsDir };
      const add = ["add", "fx", "deno", "--unsandboxed", "--yes", "--"];
      const added = await runMcp(dirs, [...add, "run", "-A", FIXTURE, "ok", "--pid-file", pidFile]);
      assert.equal(added.code, 0, added.err);
      assert.match(added.out, /outside any sandbox/);
      assert.match(added.out, /WARNING: Unsandboxed: this command runs with your full rights/);
      const listed = await runMcp(dirs, ["list"]);
      assert.match(listed.out, /^fx {2}deno {2}enabled {2}UNSANDBOXED$/m);
      assert.match(listed.out, /WARNING: Unsandboxed/);

      const rungpt = await spawnRungpt({
        RUNGPT_DATA_DIR: dataDir,
        RUNGPT_PLUGINS_DIR: pluginsDir,
      });
      try {
        // Listing the actions starts the server.
        const res = await fetch(`${rungpt.url}/api/actions`, { headers: { origin: rungpt.url } });
        const body = await res.text();
        assert.equal(res.status, 200, body);
        assert.match(body, /"fx\.echo"|fx\.echo/);
        const pid = Number(await waitForFile(pidFile));
        assert.ok(await alive(pid), "the MCP server runs");

        const status = await rungpt.stop(signal);
        assert.equal(status.code, 0, `${signal} stops rungpt cleanly`);
        assert.equal(await alive(pid), false, `no MCP server process outlives rungpt (pid ${pid})`);
      } finally {
        await rungpt.kill();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
