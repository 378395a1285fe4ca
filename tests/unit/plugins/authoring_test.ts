/**
 * Plugin authoring through the real CLI entry (`runPluginCommand`): `new` → `build` → `check`
 * → `run` in a temp dir, the scaffolded repository's own test, and the refusals: bad names,
 * bad manifests, undeclared imports, compile errors, hosts not allowed, private networks.
 * @module
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join } from "node:path";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { buildPlugin } from "../../../lib/plugins/authoring/build.ts";
import { sdkFiles } from "../../../lib/plugins/authoring/sdk.ts";
import { NAME_PLACEHOLDER, TEMPLATE_DIR } from "../../../lib/plugins/authoring/scaffold.ts";
import { parseManifest } from "../../../lib/plugins/manifest.ts";
import { runOwnTests } from "../../support/plugin_repo.ts";
import { buildFixture } from "../../support/wasm_fixtures.ts";

const ROOT = join(import.meta.dirname!, "..", "..", "..");

/** Runs `rungpt plugin <args>`; returns the exit code and the output lines. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPluginCommand(args, {
    pluginsDir: "/nonexistent-plugins-dir",
    dataDir: "/nonexistent-data-dir",
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    isTerminal: false,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function includes(actual: string, expected: string): void {
  assert.ok(
    actual.includes(expected),
    `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-authoring-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A plugin repository made by `plugin new`, then changed by `edit`, built. */
async function scaffold(dir: string, name = "hello"): Promise<string> {
  const repo = join(dir, name);
  const r = await cli("new", name, "--dir", repo);
  assertEquals(r.code, 0, r.err);
  return repo;
}

Deno.test("plugin new → build → check → run, and the scaffold's own test", async () => {
  await withTemp(async (dir) => {
    const repo = join(dir, "hello");
    const made = await cli("new", "hello", "--dir", repo);
    assertEquals(made.code, 0, made.err);
    includes(made.out, `created ${repo}`);
    const files: string[] = [];
    for await (const e of Deno.readDir(repo)) files.push(e.name + (e.isDirectory ? "/" : ""));
    assertEquals(files.sort(), [
      ".gitignore",
      "README.md",
      "asconfig.json",
      "assembly/",
      "build.ts",
      "package.json",
      "plugin_test.ts",
      "rungpt.yaml",
      "sdk/",
    ]);
    includes(await Deno.readTextFile(join(repo, "rungpt.yaml")), "name: hello");
    assertEquals(await Deno.readTextFile(join(repo, ".gitignore")), "node_modules/\n");
    for (const [rel, content] of Object.entries(await sdkFiles())) {
      assertEquals(await Deno.readTextFile(join(repo, rel)), content, rel);
    }

    // check before build: the module does not exist yet.
    const early = await cli("check", repo);
    assertEquals(early.code, 1);
    includes(early.err, 'wasm: "plugin.wasm" does not exist');

    const built = await cli("build", repo);
    assertEquals(built.code, 0, built.err);
    includes(built.out, `built ${join(await Deno.realPath(repo), "plugin.wasm")}`);

    const checked = await cli("check", repo);
    assertEquals(checked.code, 0, checked.err);
    includes(checked.out, "ok: hello 0.1.0 would install");
    includes(checked.out, "APIs:    rungpt:config");
    includes(checked.out, "actions: greet");

    const ran = await cli("run", repo, "greet", '{"name":"Ada"}');
    assertEquals([ran.code, JSON.parse(ran.out)], [0, { greeting: "Hello, Ada!" }]);
    const configured = await cli(
      "run",
      repo,
      "greet",
      '{"name":"Ada"}',
      "--config",
      "greeting=Ahoy",
    );
    assertEquals(JSON.parse(configured.out), { greeting: "Ahoy, Ada!" });
    const failed = await cli("run", repo, "greet", '{"name":"  "}');
    assertEquals([failed.code, failed.err], [1, "error: plugin hello: name must not be empty"]);

    // The generated test passes against this checkout's rungpt.
    const report = await runOwnTests(repo, ["--allow-run", "--allow-env", "--allow-read"]);
    includes(report, "ok | 3 passed");
  });
});

/** Every file under `dir`, relative path → text. */
async function readTree(dir: string, base = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) Object.assign(out, await readTree(path, base));
    else out[path.slice(base.length + 1)] = await Deno.readTextFile(path);
  }
  return out;
}

Deno.test("rungpt plugin loads the AssemblyScript compiler only when it builds", async () => {
  // The compiler takes seconds to load: `run`, `check`, `list` … must not wait for it.
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(ROOT, "lib", "plugins", "cli.ts")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assertEquals(code, 0);
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    redirects: Record<string, string>;
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const deps = new Map(graph.modules.map((m) => [m.specifier, m.dependencies ?? []]));
  const loaded = new Set<string>();
  const todo = [...graph.roots];
  while (todo.length) {
    const spec = todo.pop()!;
    if (loaded.has(spec)) continue;
    loaded.add(spec);
    for (const d of deps.get(graph.redirects[spec] ?? spec) ?? []) {
      if (d.code && !d.isDynamic) todo.push(d.code.specifier);
    }
  }
  assert.ok(loaded.has(new URL("../../../lib/plugins/authoring/build.ts", import.meta.url).href));
  assertEquals([...loaded].filter((s) => s.includes("assemblyscript")), []);
});

Deno.test("plugin new fills in the name everywhere and leaves no placeholder", async () => {
  // The template names itself with the placeholder, and it survives `deno fmt` as it is.
  const template = await readTree(TEMPLATE_DIR);
  for (const file of ["README.md", "rungpt.yaml", "package.json"]) {
    includes(template[file], NAME_PLACEHOLDER);
  }
  assertEquals(parseManifest(template["rungpt.yaml"]).name, NAME_PLACEHOLDER);
  await withTemp(async (dir) => {
    const repo = await scaffold(dir, "hello");
    const files = await readTree(repo);
    for (const [rel, text] of Object.entries(files)) {
      for (const leftover of [NAME_PLACEHOLDER, "__NAME__", "**NAME**"]) {
        assert.ok(!text.includes(leftover), `${rel} still contains ${leftover}`);
      }
    }
    assertEquals(files["README.md"].split("\n")[0], "# hello");
    includes(files["README.md"], "rungpt plugin install <user>/hello");
    assertEquals(JSON.parse(files["package.json"]).name, "hello");
    assertEquals(parseManifest(files["rungpt.yaml"]).name, "hello");
  });
});

/**
 * How the scaffold tells an author to build without rungpt. A repository with a package.json
 * makes Deno expect an npm-installed node_modules/; `--node-modules-dir=none` takes the compiler
 * from Deno's cache instead.
 */
const STANDALONE_BUILD =
  "deno run --node-modules-dir=none --allow-read --allow-write --allow-env build.ts";

Deno.test("the scaffold's standalone build command works and builds the same bytes", async () => {
  // Every `deno run … build.ts` in the template and the AssemblyScript examples is that one.
  for (
    const dir of [
      "lib/plugins/authoring/template",
      "examples/plugins/text-transform",
      "examples/plugins/weather",
    ]
  ) {
    let found = 0;
    for (const file of ["README.md", "build.ts", "plugin_test.ts"]) {
      const text = await Deno.readTextFile(join(ROOT, dir, file));
      for (const [command] of text.matchAll(/deno run [^`\n]*build\.ts/g)) {
        assertEquals(command, STANDALONE_BUILD, `${dir}/${file}`);
        found++;
      }
    }
    assert.ok(found >= 3, `${dir}: the standalone build is documented ${found} times`);
  }
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    const { wasm } = await buildPlugin(repo, { dryRun: true });
    const res = await new Deno.Command("sh", {
      args: ["-c", STANDALONE_BUILD],
      cwd: repo,
      env: { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
    assertEquals(res.code, 0, text);
    const built = await Deno.readFile(join(repo, "plugin.wasm"));
    assert.ok(
      built.length === wasm.length && built.every((b, i) => b === wasm[i]),
      "build.ts and rungpt plugin build made different modules",
    );
  });
});

Deno.test("plugin new refuses a bad name and a non-empty directory", async () => {
  await withTemp(async (dir) => {
    const bad = await cli("new", "Bad Name", "--dir", join(dir, "x"));
    assertEquals(bad.code, 1);
    includes(bad.err, 'invalid plugin name "Bad Name"');
    await Deno.writeTextFile(join(dir, "keep.txt"), "mine");
    const busy = await cli("new", "ok", "--dir", dir);
    assertEquals(busy.code, 1);
    includes(busy.err, "is not empty");
    assertEquals(await Deno.readTextFile(join(dir, "keep.txt")), "mine");
    const usage = await cli("new");
    assertEquals(usage.code, 2);
    includes(usage.err, "usage: rungpt plugin new <name>");
  });
});

Deno.test("plugin build reports compile errors with file and line", async () => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    await Deno.writeTextFile(
      join(repo, "assembly", "index.ts"),
      "export function greet(): i32 {\n  return notDefined;\n}\n",
    );
    const r = await cli("build", repo);
    assertEquals(r.code, 1);
    const [progress, error, ...rest] = r.err.split("\n");
    assertEquals([progress, rest], [`… compiling ${repo}`, []]);
    includes(error, "error: building hello failed: assembly/index.ts:2:10:");
    includes(error, "notDefined");
    assertEquals(await Deno.stat(join(repo, "plugin.wasm")).catch(() => null), null);
  });
});

Deno.test("plugin check refuses what install refuses", async (t) => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    assertEquals((await cli("build", repo)).code, 0);
    const manifestPath = join(repo, "rungpt.yaml");
    const original = await Deno.readTextFile(manifestPath);

    await t.step("a bad manifest, naming the field", async () => {
      await Deno.writeTextFile(manifestPath, original.replace("version: 0.1.0", "version: one"));
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, "rungpt.yaml: version: must be semver");
    });
    await t.step("an import the manifest does not declare", async () => {
      await Deno.writeTextFile(manifestPath, original.replace("apis: [rungpt:config]", "apis: []"));
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, '"rungpt:config" (get), not declared in rungpt.yaml apis');
    });
    await t.step("an action the module does not export", async () => {
      await Deno.writeTextFile(
        manifestPath,
        original.replace(
          "  - name: greet",
          "  - name: wave\n    description: Waves.\n  - name: greet",
        ),
      );
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, 'action "wave": the module exports no function "wave"');
    });
    await t.step("a wasm path that leaves the repository", async () => {
      await Deno.writeTextFile(
        manifestPath,
        original.replace("wasm: plugin.wasm", "wasm: ../x.wasm"),
      );
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, "wasm: must not contain '..'");
    });
  });
});

/** Runs git in `repo` as a user would; fails on a non-zero exit. */
async function git(repo: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("git", {
    args,
    cwd: repo,
    env: {
      GIT_AUTHOR_NAME: "Author",
      GIT_AUTHOR_EMAIL: "author@example.invalid",
      GIT_COMMITTER_NAME: "Author",
      GIT_COMMITTER_EMAIL: "author@example.invalid",
      GIT_CONFIG_NOSYSTEM: "1",
    },
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
}

Deno.test("plugin check in a git repository checks the commit install would clone", async (t) => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    assertEquals((await cli("build", repo)).code, 0);
    await git(repo, "init", "-q", "-b", "main");

    await t.step("no commit yet", async () => {
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, "is a git repository without commits: install takes what is committed");
    });
    await t.step("the module git-ignored: refused, naming the rule", async () => {
      await Deno.writeTextFile(join(repo, ".gitignore"), "node_modules/\n*.wasm\n");
      await git(repo, "add", ".");
      await git(repo, "commit", "-q", "-m", "without the module");
      const r = await cli("check", repo);
      assertEquals([r.code, r.out], [1, ""]);
      assertEquals(
        r.err,
        "error: plugin.wasm is ignored by git (.gitignore:2:*.wasm), so it is not committed: " +
          "install clones the repository and would not find it; remove that rule and commit " +
          "plugin.wasm",
      );
    });
    await t.step("the module not added: refused", async () => {
      await Deno.writeTextFile(join(repo, ".gitignore"), "node_modules/\n");
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      includes(r.err, "plugin.wasm is not committed: install clones the repository");
    });
    await t.step("committed: ok, naming the commit", async () => {
      await git(repo, "add", ".");
      await git(repo, "commit", "-q", "-m", "with the module");
      const r = await cli("check", repo);
      assertEquals([r.code, r.err], [0, ""]);
      includes(r.out, "ok: hello 0.1.0 would install");
      assert.match(r.out, /commit: {2}[0-9a-f]{12} \(HEAD, checked as install clones it\)/);
    });
    await t.step("a version tag that disagrees with the manifest: a warning", async () => {
      await git(repo, "tag", "v0.2.0");
      await git(repo, "tag", "v0.1.0");
      await git(repo, "tag", "not-a-version");
      const r = await cli("check", repo);
      assertEquals(r.code, 0, r.err);
      assertEquals(
        r.err,
        "warning: tag v0.2.0 is on HEAD, but its rungpt.yaml says version 0.1.0, which install " +
          "shows; keep the two in step",
      );
      await git(repo, "tag", "-d", "v0.2.0");
      assertEquals((await cli("check", repo)).err, "");
    });
    const manifestPath = join(repo, "rungpt.yaml");
    const good = await Deno.readTextFile(manifestPath);
    await t.step("a change not committed: a warning", async () => {
      await Deno.writeTextFile(manifestPath, good.replace("default: Hello", "default: Hi"));
      const r = await cli("check", repo);
      assertEquals(r.code, 0, r.err);
      assertEquals(
        r.err,
        "warning: rungpt.yaml differs from HEAD: install takes the committed one; commit it",
      );
    });
    await t.step("a broken commit, fixed only in the working tree: refused", async () => {
      await Deno.writeTextFile(manifestPath, good.replace("name: greet", "name: wave"));
      await git(repo, "commit", "-q", "-am", "broken");
      await Deno.writeTextFile(manifestPath, good);
      const r = await cli("check", repo);
      assertEquals(r.code, 1);
      assert.match(
        r.err,
        /^error: the commit at HEAD \([0-9a-f]{12}\) would not install: action "wave": the module exports no function "wave"$/,
      );
    });
  });
});

/** A plugin whose `fetch` action GETs `url` through rungpt:net; hosts as given. */
async function fetcher(dir: string, hosts: string[]): Promise<string> {
  const repo = await scaffold(dir, "fetcher");
  await Deno.writeTextFile(
    join(repo, "assembly", "index.ts"),
    `import { fail, httpGet, inputJson, JsonValue, lastError, outputJson } from "../sdk/rungpt";
export function fetch(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  const res = httpGet(args.getString("url"));
  if (res == null) return fail(lastError());
  return outputJson(JsonValue.object().setNumber("status", res.status).setString("body", res.body));
}
`,
  );
  await Deno.writeTextFile(
    join(repo, "rungpt.yaml"),
    `name: fetcher
version: 1.0.0
description: Fetches a URL.
wasm: plugin.wasm
apis: [rungpt:net]
permissions:
  net:
    hosts: [${hosts.join(", ")}]
actions:
  - name: fetch
    description: Fetches a URL.
`,
  );
  const b = await cli("build", repo);
  assertEquals(b.code, 0, b.err);
  return repo;
}

Deno.test("plugin run enforces the manifest's hosts and the private-network grant", async () => {
  await withTemp(async (dir) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("hi"),
    );
    try {
      const repo = await fetcher(dir, ["127.0.0.1"]);
      const local = `http://127.0.0.1:${server.addr.port}/`;

      const notAllowed = await cli("run", repo, "fetch", '{"url":"http://example.com/"}');
      assertEquals(notAllowed.code, 1);
      includes(notAllowed.err, "host example.com is not allowed (allowed: 127.0.0.1)");

      const privateRefused = await cli("run", repo, "fetch", JSON.stringify({ url: local }));
      assertEquals(privateRefused.code, 1);
      includes(privateRefused.err, "private networks were not granted");

      const granted = await cli(
        "run",
        repo,
        "fetch",
        JSON.stringify({ url: local }),
        "--allow-private-network",
      );
      assertEquals(granted.code, 0, granted.err);
      assertEquals(JSON.parse(granted.out), { status: 200, body: "hi" });
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("plugin run --allow-host: a test-only grant for a host rungpt.yaml does not list", async () => {
  await withTemp(async (dir) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("recorded"),
    );
    try {
      const repo = await fetcher(dir, ["api.example.com"]);
      const local = `127.0.0.1:${server.addr.port}`;
      const fetch = (...flags: string[]) =>
        cli("run", repo, "fetch", JSON.stringify({ url: `http://${local}/` }), ...flags);

      const refused = await fetch();
      includes(refused.err, `host ${local} is not allowed (allowed: api.example.com)`);
      const otherPort = await fetch("--allow-host", "127.0.0.1:1", "--allow-private-network");
      includes(
        otherPort.err,
        `host ${local} is not allowed (allowed: api.example.com, 127.0.0.1:1)`,
      );
      // The host grant does not imply private addresses: that stays its own flag.
      const notPrivate = await fetch("--allow-host", local);
      includes(notPrivate.err, "private networks were not granted");

      const granted = await fetch("--allow-host", local, "--allow-private-network");
      assertEquals([granted.code, JSON.parse(granted.out)], [0, { status: 200, body: "recorded" }]);
      assertEquals(granted.err.split("\n"), [
        `… test-only grant: rungpt:net may also reach ${local} (not in rungpt.yaml)`,
        "… test-only grant: rungpt:net may reach private addresses",
      ]);
      // The repository is untouched: the grant exists for this run only.
      includes(await Deno.readTextFile(join(repo, "rungpt.yaml")), "hosts: [api.example.com]");

      const malformed = await fetch("--allow-host", "http://127.0.0.1/");
      assertEquals(malformed.code, 1);
      // Refused before anything is granted: the error is the only line.
      assertEquals(malformed.err.trim().split("\n").length, 1);
      includes(malformed.err, 'error: --allow-host: "http://127.0.0.1/" must be a bare hostname');
      const hello = await scaffold(dir, "hello");
      assertEquals((await cli("build", hello)).code, 0);
      const noNet = await cli("run", hello, "greet", '{"name":"Ada"}', "--allow-host", local);
      includes(noNet.err, "error: --allow-host: hello does not use rungpt:net (not in its apis)");
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("plugin run --data-dir keeps files and state in <data>/plugins/<name>/", async () => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir, "jot");
    await Deno.writeTextFile(
      join(repo, "assembly", "index.ts"),
      `import { fail, fsAppend, fsRead, output } from "../sdk/rungpt";
export function jot(): i32 {
  if (!fsAppend("notes/log.txt", "x")) return fail("append failed");
  const text = fsRead("notes/log.txt");
  return text == null ? fail("read failed") : output(text);
}
`,
    );
    await Deno.writeTextFile(
      join(repo, "rungpt.yaml"),
      `name: jot
version: 1.0.0
description: Appends to a file.
wasm: plugin.wasm
apis: [rungpt:fs]
actions:
  - name: jot
    description: Appends an x.
`,
    );
    assertEquals((await cli("build", repo)).code, 0);
    const data = join(dir, "data");
    for (const expected of ["x", "xx"]) {
      const r = await cli("run", repo, "jot", "--data-dir", data);
      assertEquals([r.code, r.out], [0, expected], r.err);
    }
    assertEquals(await Deno.readTextFile(join(data, "plugins", "jot", "notes", "log.txt")), "xx");
    // Without it, every run starts from nothing.
    assertEquals((await cli("run", repo, "jot")).out, "x");
  });
});

Deno.test("plugin run --config checks values as plugin config does: type, enum, length", async () => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    assertEquals((await cli("build", repo)).code, 0);
    const manifestPath = join(repo, "rungpt.yaml");
    await Deno.writeTextFile(
      manifestPath,
      (await Deno.readTextFile(manifestPath)).replace(
        "config:\n",
        "config:\n  style:\n    type: string\n    enum: [plain, loud]\n    default: plain\n" +
          "  times:\n    type: number\n    default: 1\n",
      ),
    );
    const run = (setting: string) =>
      cli("run", repo, "greet", '{"name":"Ada"}', "--config", setting);
    const cases: [string, string][] = [
      ["style=shout", 'setting style must be one of "plain", "loud"'],
      ["times=often", "setting times must be a number"],
      [`greeting=${"x".repeat(64 * 1024 + 1)}`, "setting greeting is longer than 65536 characters"],
      [
        "colour=red",
        'plugin hello declares no setting "colour" (declared: style, times, greeting)',
      ],
    ];
    for (const [setting, message] of cases) {
      const r = await run(setting);
      assertEquals([r.code, r.err], [1, `error: ${message}`], setting.slice(0, 40));
    }
    const ok = await run("style=loud");
    assertEquals([ok.code, JSON.parse(ok.out)], [0, { greeting: "Hello, Ada!" }]);
  });
});

Deno.test("plugin run: clear one-line errors for bad requests", async () => {
  await withTemp(async (dir) => {
    const repo = await scaffold(dir);
    assertEquals((await cli("build", repo)).code, 0);
    // Usage errors exit 2, others 1.
    const cases: [string[], string, number][] = [
      [["run", repo, "wave", "{}"], 'hello has no action "wave" (actions: greet)', 1],
      [["run", repo, "greet", "{name}"], "the arguments are not valid JSON", 1],
      [["run", repo, "greet", "[1]"], "the arguments must be a JSON object", 1],
      [["run", repo, "greet", "{}"], "invalid arguments: arguments.name: required", 1],
      [["run", repo, "greet", '{"name":"Ada","x":1}'], "invalid arguments: arguments.x:", 1],
      [["run", repo, "greet", "{}", "--config", "colour=red"], 'declares no setting "colour"', 1],
      [["run", repo, "greet", "{}", "--config", "nonsense"], "--config expects key=value", 2],
      [["run", repo, "greet", "{}", "--bogus"], "Unknown option '--bogus'", 2],
      [["run", repo], "usage: rungpt plugin run", 2],
      [["run", join(dir, "missing"), "greet"], "error:", 1],
    ];
    for (const [args, expected, code] of cases) {
      const r = await cli(...args);
      assertEquals(r.code, code, args.join(" "));
      includes(r.err, expected);
      assert.ok(!r.err.includes("\n"), r.err);
    }
  });
});

Deno.test("plugin run shows the plugin's log lines and output with their controls escaped", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "rungpt.yaml"),
      `name: logger
version: 1.0.0
description: Writes log lines.
wasm: plugin.wasm
apis: [rungpt:log]
actions:
  - name: hello
    description: Logs its input.
    parameters: {type: object, properties: {message: {type: string}}}
`,
    );
    await Deno.writeFile(join(dir, "plugin.wasm"), await buildFixture("logger"));
    const message = "done\nerror: rungpt: forged\x1b]0;pwned\x07\u202e";
    const r = await cli("run", dir, "hello", JSON.stringify({ message }));
    assertEquals(r.code, 0, r.err);
    includes(r.err, "[info] done\\nerror: rungpt: forged\\x1b]0;pwned\\u0007\\u202e");
    assert.ok(!(r.err + r.out).includes("\u202e"), r.err);

    // The echo fixture's upper gives back its arguments' text: the output escaped, line by line.
    await Deno.writeTextFile(
      join(dir, "rungpt.yaml"),
      "name: echo\nversion: 1.0.0\ndescription: Echoes.\nwasm: plugin.wasm\n" +
        "actions:\n  - name: upper\n    description: Upper-cases.\n",
    );
    await Deno.writeFile(join(dir, "plugin.wasm"), await buildFixture("echo"));
    const echoed = await cli("run", dir, "upper", '{"t":"a\u202eb\u009b2J"}');
    assertEquals([echoed.code, echoed.out], [0, '{"T":"A\\u202eB\\u009b2J"}'], echoed.err);
  });
});
