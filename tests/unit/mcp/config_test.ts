import assert from "node:assert/strict";
import {
  McpConfigError,
  mcpConfigPath,
  parseServerConfig,
  readMcpConfig,
  updateMcpConfig,
} from "../../../lib/mcp/config.ts";

Deno.test("mcp config: a bad source, path, host or env name is refused, naming the field", () => {
  const cases: [unknown, RegExp][] = [
    [{ source: "uvx mcp-server-git" }, /^source: must be npm:<package>\[@version\]/],
    [
      { source: "npm:pkg", permissions: { read: ["relative/dir"] } },
      /^permissions\.read\.0: must be absolute/,
    ],
    [{ source: "npm:pkg", permissions: { read: ["/a,/etc"] } }, /must not contain a comma/],
    [
      { source: "npm:pkg", permissions: { net: ["a.com/x"] } },
      /^permissions\.net\.0: must be a host/,
    ],
    [
      { source: "npm:pkg", permissions: { env: ["A-B"] } },
      /^permissions\.env\.0: must be an environment variable name/,
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseServerConfig(input), (e: Error) => {
      assert.ok(e instanceof McpConfigError);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("mcp config: saved with mode 0600, read back; a broken file says to fix or remove it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(await readMcpConfig(dir), { version: 1, servers: {} });
    await updateMcpConfig(dir, (c) => {
      c.servers.memory = parseServerConfig({ source: "npm:pkg@1.2.3", env: { KEY: "v" } });
    });
    assert.equal((await Deno.stat(mcpConfigPath(dir))).mode! & 0o777, 0o600);
    assert.equal((await readMcpConfig(dir)).servers.memory.env.KEY, "v");
    await Deno.writeTextFile(mcpConfigPath(dir), "{ nope");
    await assert.rejects(readMcpConfig(dir), /mcp\.json is not valid JSON .*fix or remove it/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mcp add: a bad or reserved name, and an env option without a value, are refused before asking", async () => {
  const { runMcpCommand } = await import("../../../lib/mcp/cli.ts");
  const dataDir = await Deno.makeTempDir();
  try {
    const run = async (args: string[]) => {
      const err: string[] = [];
      const code = await runMcpCommand(args, {
        dataDir,
        pluginsDir: dataDir,
        env: {},
        isTerminal: false,
        stdout: () => {},
        stderr: (l) => err.push(l),
      });
      return { code, err: err.join("\n") };
    };
    const source = "npm:@modelcontextprotocol/server-memory";
    assert.match((await run(["add", "Mem", source, "--yes"])).err, /"Mem" is not a valid name/);
    assert.match((await run(["add", "rungpt", source, "--yes"])).err, /reserved for rungpt itself/);
    assert.match(
      (await run(["add", "m", source, "--env", "TOKEN", "--yes"])).err,
      /--env takes NAME=VALUE/,
    );
    assert.match((await run(["add", "m", "uvx thing", "--yes"])).err, /source: must be npm:/);
    assert.match(
      (await run(["add", "m", source, "--allow-all"])).err,
      /Unknown option '--allow-all'/,
    );
    await assert.rejects(Deno.stat(mcpConfigPath(dataDir)), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("mcp config: any other command needs unsandboxed, and then grants of the sandbox do not apply", async () => {
  const { serverView } = await import("../../../lib/mcp/views.ts");
  const stopped = { state: "stopped" } as const;
  assert.throws(
    () => parseServerConfig({ source: "uvx" }),
    /any other command runs with your full rights and needs --unsandboxed/,
  );
  assert.throws(
    () => parseServerConfig({ source: "uvx", unsandboxed: true, permissions: { read: ["/x"] } }),
    /unsandboxed: runs with your full rights: --allow-read/,
  );
  assert.throws(
    () => parseServerConfig({ source: "npm:pkg", unsandboxed: true }),
    /unsandboxed: is for commands/,
  );
  const config = parseServerConfig({
    source: "uvx",
    unsandboxed: true,
    args: ["mcp-server-time"],
    env: { TZ_KEY: "secret-value" },
  });
  const view = serverView({ name: "time", config, status: stopped }, []);
  assert.equal(view.kind, "command");
  assert.equal(view.unsandboxed, true);
  assert.match(view.warning!, /runs with your full rights/);
  assert.deepEqual(view.env, [{ name: "TZ_KEY", value: "stored" }]);
  assert.ok(!JSON.stringify(view).includes("secret-value"), "env values stay on the server");

  const remote = serverView({
    name: "r",
    config: parseServerConfig({
      source: "https://mcp.example.com/mcp",
      headers: { Authorization: "B x" },
    }),
    status: stopped,
  }, []);
  assert.deepEqual(remote.headers, ["Authorization"]);
  assert.equal(remote.kind, "remote");
  assert.equal(remote.unsandboxed, undefined);
  assert.ok(!JSON.stringify(remote).includes("B x"), "header values stay on the server");
});
