// The `rungpt` command as users run it: `deno run <the start task's permissions> main.ts`
// and `deno task start`, as subprocesses with a temporary data dir.
import assert from "node:assert/strict";
import { join } from "node:path";
import { createGitFixtures, pluginFiles } from "../support/git_fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CONFIG = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));

/** The arguments after `deno run` in the start task (its permissions and `main.ts`). */
function startTaskArgs(): string[] {
  const words = (CONFIG.tasks.start as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  assert.equal(words.at(-1), "main.ts");
  assert.ok(!words.includes("-A") && !words.includes("--allow-all"), "explicit permissions");
  return words.slice(2);
}

/** Deno's cache as this process sees it, so a subprocess with another HOME still finds it. */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  JSON.parse(
    new TextDecoder().decode(
      (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" })
        .output()).stdout,
    ),
  ).denoDir as string;

/** PATH, HOME and Deno's cache location, plus `extra`: nothing else from this environment. */
function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { NO_COLOR: "1", DENO_DIR };
  for (const name of ["PATH", "HOME", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) out[name] = value;
  }
  return { ...out, ...extra };
}

/** A temp data dir and plugins dir, removed afterwards. */
async function withDirs<T>(fn: (vars: Record<string, string>) => Promise<T>): Promise<T> {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-cli-" });
  try {
    return await fn({
      RUNGPT_DATA_DIR: dataDir,
      // Not <data>/plugins: each plugin keeps its own files there, and rungpt refuses it.
      RUNGPT_PLUGINS_DIR: join(dataDir, "plugins_store"),
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rungpt <args>` to completion. */
async function rungpt(args: string[], vars: Record<string, string>): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...startTaskArgs(), ...args],
    cwd: ROOT,
    clearEnv: true,
    env: env(vars),
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A running server process, read line by line. */
interface Running {
  child: Deno.ChildProcess;
  url: string;
  output: string;
  stop(): Promise<Deno.CommandStatus>;
}

/** Starts a long-running command and waits for the "running at <url>" line. */
async function startServing(cmd: string[], vars: Record<string, string>): Promise<Running> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    clearEnv: true,
    env: env(vars),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  let output = "";
  let stopped: Promise<Deno.CommandStatus> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      const status = await child.status;
      while (!(await reader.read()).done) { /* drain */ }
      await stderr;
      return status;
    })();
  while (true) {
    const { value, done } = await reader.read();
    if (done) {
      const { code } = await stop();
      throw new Error(`exited with code ${code} before serving:\n${output}\n${await stderr}`);
    }
    output += value;
    const match = output.match(/running at (http:\/\/\S+)/);
    if (match && output.includes("Ctrl+C")) return { child, url: match[1], output, stop };
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("cli: --help and --version", async () => {
  await withDirs(async (vars) => {
    const help = await rungpt(["--help"], vars);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage:/);
    assert.match(
      help.stdout,
      /rungpt \[serve\] \[--port 8000\] \[--host 127\.0\.0\.1\] \[--open\]/,
    );
    assert.match(help.stdout, /rungpt token/);
    assert.match(help.stdout, /OPENAI_API_KEY/);
    assert.match(help.stdout, /RUNGPT_DATA_DIR/);
    const version = await rungpt(["--version"], vars);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `rungpt ${CONFIG.version}`);
  });
});

Deno.test("cli: bad arguments exit 2 with a message naming what was wrong", async () => {
  await withDirs(async (vars) => {
    const cases: Array<[string[], RegExp]> = [
      [["--bogus"], /--bogus/],
      [["serve", "--bogus"], /--bogus/],
      [["frobnicate"], /frobnicate/],
      [["--port", "abc"], /--port.*"abc"/],
      [["--port", "70000"], /--port.*"70000"/],
      [["--port", "-1"], /--port/],
      [["serve", "extra"], /extra/],
      [["token", "extra"], /token/],
    ];
    for (const [args, pattern] of cases) {
      const r = await rungpt(args, vars);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(" "));
      assert.match(r.stderr, /--help/, args.join(" "));
      assert.ok(!/ at .*\.ts:\d+/.test(r.stderr), `no stack trace: ${r.stderr}`);
    }
  });
});

Deno.test("cli: a port in use is a clear error and a non-zero exit", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await withDirs(async (vars) => {
      const r = await rungpt(["--port", String(port)], vars);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Port ${port}.*already in use`));
      assert.match(r.stderr, /--port/);
      assert.ok(!/ at .*\.ts:\d+/.test(r.stderr), `no stack trace: ${r.stderr}`);
    });
  } finally {
    listener.close();
  }
});

Deno.test("cli: serve refuses an unknown RUNGPT_ACTION_MODE in one line", async () => {
  await withDirs(async (vars) => {
    const cmd = [Deno.execPath(), ...startTaskArgs(), "--port", "0"];
    const started = await startServing(cmd, { ...vars, RUNGPT_ACTION_MODE: "tag" })
      .then((running) => running.stop().then(() => null), (e: Error) => e.message);
    assert.ok(started !== null, "the server refuses to start");
    // Exit code 1, nothing on stdout, one line on stderr.
    assert.equal(
      started,
      'exited with code 1 before serving:\n\nrungpt: RUNGPT_ACTION_MODE is "tag", but it must be auto, tags or native (or unset, for auto)\n',
    );
  });
});

Deno.test("cli: serve and plugin commands refuse a plugins dir inside <data>/plugins", async () => {
  const root = await Deno.makeTempDir({ prefix: "rungpt-cli-overlap-" });
  // Deno's own notes (e.g. "Info Failed to resolve 'xdg-open' for allow-run") are not ours.
  const ours = (text: string) => text.split("\n").filter((l) => l && !/^Info /.test(l));
  /** What `rungpt serve` wrote before it exited, or null if it started serving. */
  const refusal = (vars: Record<string, string>) =>
    startServing([Deno.execPath(), ...startTaskArgs(), "--port", "0"], vars)
      .then((running) => running.stop().then(() => null), (e: Error) => e.message);
  try {
    const data = join(root, "data");
    const vars = { RUNGPT_DATA_DIR: data, RUNGPT_PLUGINS_DIR: join(data, "plugins", "store") };
    const served = await refusal(vars);
    assert.ok(served !== null, "the server refuses to start");
    const listed = await rungpt(["plugin", "list"], vars);
    assert.equal(listed.code, 1);
    assert.equal(listed.stdout, "");
    const said =
      /^(rungpt|error): The plugins dir \S+ \(RUNGPT_PLUGINS_DIR\) is inside \S+, where each plugin keeps its own files: .* Set RUNGPT_PLUGINS_DIR to a folder outside/;
    const serveLines = ours(served.replace(/^exited with code 1 before serving:\n/, ""));
    assert.match(served, /^exited with code 1 /);
    assert.equal(serveLines.length, 1, `one line, no stack trace: ${served}`);
    assert.match(serveLines[0], said);
    assert.deepEqual(ours(listed.stderr).length, 1, listed.stderr);
    assert.match(ours(listed.stderr)[0], said);
    // Refused before anything was made.
    assert.deepEqual([...Deno.readDirSync(root)], []);
    const inverse = await refusal({
      RUNGPT_DATA_DIR: join(root, "store", "data"),
      RUNGPT_PLUGINS_DIR: join(root, "store"),
    });
    assert.match(inverse ?? "(served)", /\(RUNGPT_DATA_DIR\) is inside the plugins dir/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cli: a --host it cannot listen on is one line naming the host", async () => {
  await withDirs(async (vars) => {
    const cases: Array<[string, RegExp]> = [
      ["nonexistent.invalid", /no address found for that name/],
      ["203.0.113.77", /no such address on this machine/],
      ["::1x", /Cannot listen on --host "::1x"/],
    ];
    for (const [host, why] of cases) {
      const r = await rungpt(["--host", host, "--port", "0"], vars);
      assert.equal(r.code, 1, `${host}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `one line for ${host}: ${r.stderr}`);
      assert.ok(lines[0].startsWith("rungpt: ") && lines[0].includes(host), r.stderr);
      assert.match(lines[0], why);
      assert.ok(!/ at .*\.ts:\d+/.test(r.stderr), `no stack trace: ${r.stderr}`);
    }
  });
});

Deno.test("cli: token prints the same token every time and honours RUNGPT_API_TOKEN", async () => {
  await withDirs(async (vars) => {
    const first = await rungpt(["token"], vars);
    assert.equal(first.code, 0, first.stderr);
    const token = first.stdout.trim();
    assert.match(token, /^rgt_[A-Za-z0-9_-]{20,}$/);
    const second = await rungpt(["token"], vars);
    assert.equal(second.stdout.trim(), token);
    const file = join(vars.RUNGPT_DATA_DIR, "api-token");
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

    const fixed = "rgt_from-the-environment-0123";
    const fromEnv = await rungpt(["token"], { ...vars, RUNGPT_API_TOKEN: fixed });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(fromEnv.stdout.trim(), fixed);

    const bad = await rungpt(["token"], { ...vars, RUNGPT_API_TOKEN: "short" });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /RUNGPT_API_TOKEN/);
    // Serving with a bad token refuses to start, with the reason and no stack trace.
    const serve = await rungpt(["--port", "0"], { ...vars, RUNGPT_API_TOKEN: "short" });
    assert.equal(serve.code, 1, serve.stderr);
    assert.match(serve.stderr, /^rungpt: RUNGPT_API_TOKEN must be/);
    assert.ok(!/ at .*\.ts:\d+/.test(serve.stderr), `no stack trace: ${serve.stderr}`);
  });
});

Deno.test("cli: token on a fresh machine creates the data dir (mode 0700)", async () => {
  await withDirs(async (vars) => {
    // RUNGPT_DATA_DIR names a folder that does not exist yet.
    const dataDir = join(vars.RUNGPT_DATA_DIR, "not", "yet");
    const r = await rungpt(["token"], { ...vars, RUNGPT_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^rgt_[A-Za-z0-9_-]{20,}$/);
    assert.equal((await Deno.readTextFile(join(dataDir, "api-token"))).trim(), r.stdout.trim());
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(dataDir)).mode! & 0o777, 0o700);

    // No RUNGPT_DATA_DIR and a new user's empty home: the default place is made.
    const home = join(vars.RUNGPT_DATA_DIR, "home");
    await Deno.mkdir(home);
    const fromHome = await rungpt(["token"], { HOME: home, XDG_DATA_HOME: "" });
    assert.equal(fromHome.code, 0, fromHome.stderr);
    const defaultDir = join(home, ".local", "share", "rungpt");
    assert.equal(
      (await Deno.readTextFile(join(defaultDir, "api-token"))).trim(),
      fromHome.stdout.trim(),
    );
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(defaultDir)).mode! & 0o777, 0o700);
    }

    // No home at all: one line saying what to set, not a stack trace.
    for (const args of [["token"], ["--help"]]) {
      const noHome = await rungpt(args, { HOME: "" });
      if (args[0] === "--help") {
        assert.equal(noHome.code, 0, noHome.stderr);
        assert.match(noHome.stdout, /RUNGPT_DATA_DIR/);
        continue;
      }
      assert.equal(noHome.code, 1, noHome.stderr);
      assert.match(
        noHome.stderr,
        /^rungpt: cannot find the data directory: set HOME.*RUNGPT_DATA_DIR/,
      );
      assert.ok(!/ at .*\.ts:\d+/.test(noHome.stderr), `no stack trace: ${noHome.stderr}`);
    }
  });
});

Deno.test("cli: plugin commands that keep no plugin files run without a data dir", async () => {
  await withDirs(async (vars) => {
    // No home and no RUNGPT_DATA_DIR: only install, update and remove need the data dir.
    const noHome = { HOME: "", RUNGPT_PLUGINS_DIR: vars.RUNGPT_PLUGINS_DIR };
    const help = await rungpt(["plugin", "--help"], noHome);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout + help.stderr, /usage: rungpt plugin/);
    const list = await rungpt(["plugin", "list"], noHome);
    assert.equal(list.code, 0, list.stderr);
    const scaffold = join(vars.RUNGPT_DATA_DIR, "hello");
    const made = await rungpt(["plugin", "new", "hello", "--dir", scaffold], noHome);
    assert.equal(made.code, 0, made.stderr);
    assert.ok((await Deno.stat(join(scaffold, "rungpt.yaml"))).isFile);
  });
});

Deno.test('cli: plugin remove forgets the plugin\'s "Always allow" answers', async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  await withDirs(async (vars) => {
    const withGit = { ...vars, RUNGPT_GIT_BASE: git.base };
    const installed = await rungpt(["plugin", "install", "acme/hello", "--yes"], withGit);
    assert.equal(installed.code, 0, installed.stderr);
    const settingsPath = join(vars.RUNGPT_DATA_DIR, "settings.json");
    await Deno.writeTextFile(
      settingsPath,
      JSON.stringify({ alwaysAllowed: ["hello.greet", "hello-world.greet"] }),
    );
    const removed = await rungpt(["plugin", "remove", "hello", "--yes"], withGit);
    assert.equal(removed.code, 0, removed.stderr);
    // Another plugin named hello, installed later, asks before its actions run again.
    const settings = JSON.parse(await Deno.readTextFile(settingsPath));
    assert.deepEqual(settings.alwaysAllowed, ["hello-world.greet"]);
  });
});

Deno.test("cli: serve on a free port prints the URL, serves the UI, and the token works", async () => {
  await withDirs(async (vars) => {
    const token = (await rungpt(["token"], vars)).stdout.trim();
    const server = await startServing(
      [Deno.execPath(), ...startTaskArgs(), "serve", "--port", "0"],
      vars,
    );
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(server.output, /No API key yet/);
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      await page.body?.cancel();
      const v1 = await fetch(server.url + "v1/models", {
        headers: { authorization: `Bearer ${token}` },
      });
      // No provider is configured, so the upstream part fails, but the token was accepted.
      assert.notEqual(v1.status, 401);
      await v1.body?.cancel();
    } finally {
      const status = await server.stop();
      assert.equal(status.code, 0, "SIGTERM stops the server cleanly");
    }
  });
});

Deno.test("cli: bound to 0.0.0.0 it prints a login link for each address of this machine", async () => {
  const external = Deno.networkInterfaces()
    .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    .map((i) => i.address);
  await withDirs(async (vars) => {
    const token = (await rungpt(["token"], vars)).stdout.trim();
    let server: Running;
    try {
      server = await startServing(
        [Deno.execPath(), ...startTaskArgs(), "--host", "0.0.0.0", "--port", "0"],
        vars,
      );
    } catch (e) {
      if (/0\.0\.0\.0/.test(String(e))) {
        console.warn("skipping: cannot bind 0.0.0.0 here:", e);
        return;
      }
      throw e;
    }
    try {
      const port = new URL(server.url).port;
      const link = (host: string) => `http://${host}:${port}/?token=${encodeURIComponent(token)}`;
      assert.equal(server.url, link("127.0.0.1"));
      const printed = [...server.output.matchAll(/From other machines: (\S+)/g)].map((m) => m[1]);
      assert.deepEqual(printed, external.map(link));
      assert.match(server.output, /these links log a browser in/);
      // Each printed link logs a browser in.
      for (const url of printed) {
        const res = await fetch(url, { redirect: "manual" });
        assert.equal(res.status, 303, url);
        assert.match(res.headers.get("set-cookie") ?? "", /^rungpt_session=/);
        await res.body?.cancel();
      }
    } finally {
      await server.stop();
    }
  });
});

Deno.test("cli: `deno task start --port N` passes the argument through", async () => {
  await withDirs(async (vars) => {
    const port = freePort();
    const server = await startServing(["deno", "task", "start", "--port", String(port)], vars);
    try {
      assert.equal(server.url, `http://127.0.0.1:${port}/`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 200);
      await page.body?.cancel();
    } finally {
      await server.stop();
    }
    // Stopped: nothing listens there any more.
    await assert.rejects(() => fetch(`http://127.0.0.1:${port}/`));
  });
});
