import assert from "node:assert/strict";
import { parseServerConfig } from "../../../lib/mcp/config.ts";
import { launchCommand } from "../../../lib/mcp/launch.ts";

const ctx = {
  denoPath: "/opt/deno",
  serverDir: "/data/mcp/memory",
  env: {
    HOME: "/home/me",
    DENO_DIR: "/cache/deno",
    OPENAI_API_KEY: "sk-secret",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
    GITHUB_TOKEN: "gh",
  },
};

Deno.test("launch: only the granted permissions become flags, never run, ffi, sys or all", () => {
  const config = parseServerConfig({
    source: "npm:@modelcontextprotocol/server-memory@0.6.3",
    args: ["--flag", "x y"],
    permissions: { read: ["/a", "/b"], write: ["/b"], net: ["api.example.com:443"], env: ["HOME"] },
    env: { MEMORY_FILE_PATH: "/b/m.json" },
  });
  const cmd = launchCommand(config, ctx);
  assert.equal(cmd.command, "/opt/deno");
  assert.equal(cmd.cwd, "/data/mcp/memory");
  assert.deepEqual(cmd.args, [
    "run",
    "--no-prompt",
    "--quiet",
    "--no-config",
    "--node-modules-dir=none",
    "--allow-read=/a,/b",
    "--allow-write=/b",
    "--allow-net=api.example.com:443",
    "--allow-env=HOME,MEMORY_FILE_PATH",
    "npm:@modelcontextprotocol/server-memory@0.6.3",
    "--flag",
    "x y",
  ]);
  for (const arg of cmd.args) assert.doesNotMatch(arg, /^--allow-(run|ffi|sys|all)|^-A$/);
});

Deno.test("launch: nothing granted means no --allow flag at all", () => {
  const cmd = launchCommand(parseServerConfig({ source: "npm:pkg" }), ctx);
  assert.deepEqual(cmd.args.filter((a) => a.startsWith("--allow")), []);
});

Deno.test("launch: the environment holds Deno's own variables and the granted names only", () => {
  const config = parseServerConfig({
    source: "npm:pkg",
    permissions: { env: ["GITHUB_TOKEN"] },
    env: { MEMORY_FILE_PATH: "/m.json" },
  });
  assert.deepEqual(launchCommand(config, ctx).env, {
    HOME: "/home/me",
    DENO_DIR: "/cache/deno",
    GITHUB_TOKEN: "gh",
    MEMORY_FILE_PATH: "/m.json",
  });
});
