/**
 * Every command in the user docs runs. The fenced command blocks (`sh`, `js`, `python`, …) of
 * docs/tutorial.md and docs/guide.md are extracted and run for real, in order, as a reader would
 * type them: one bash session per page, in a fresh home directory (`~/rungpt` is a link to this
 * checkout), with `RUNGPT_DATA_DIR` and `RUNGPT_PLUGINS_DIR` pointing at a rungpt server this test
 * started against the scripted model. A ```` ```text ```` block right after a command block is
 * its expected output (each line must appear; `…` stands for anything).
 *
 * The READMEs a plugin author reads outside docs/ run the same way, each in the folder its
 * reader would be in ({@linkcode README_SESSIONS}): the SDK's and the scaffold's in a repository
 * fresh from `rungpt plugin new`, each example's in a copy of the example, with the example
 * installed (from a local git repository) in the session's own plugins dir.
 *
 * A command block that cannot run here must be marked with `<!-- not run: why -->` on the line
 * before it; an unmarked block that the test does not know how to run fails the test, so new
 * commands cannot slip in untested. The only rewriting: `http://127.0.0.1:8000` (rungpt's default
 * address) becomes the test server's address.
 *
 * The tutorial ends with a chat turn through the UI's API in which the model calls the tutorial
 * plugin's action and its result reaches the model.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { toolName } from "../../lib/tools/openai.ts";
import { newPlugin } from "../../lib/plugins/authoring/scaffold.ts";
import { installPlugin } from "../../lib/plugins/install.ts";
import { getPluginConfig, readUserConfig } from "../../lib/plugins/installed.ts";
import { createGitFixtures, type FileMap, type GitFixtures } from "../support/git_fixtures.ts";
import { copyTree } from "../support/plugin_repo.ts";
import { readEvents, startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

const ROOT = join(import.meta.dirname!, "..", "..");
/** The pages whose commands this test runs. */
const PAGES = ["docs/tutorial.md", "docs/guide.md"];
/** Where one README's commands run, and what the session needs besides the common env. */
interface ReadmeSession {
  cwd: string;
  env?: Record<string, string>;
}

/** What a README session's set-up gets: a folder of its own, and the local git "GitHub". */
type ReadmeSetup = (dir: string, github: GitFixtures) => Promise<ReadmeSession>;

/** A repository fresh from `rungpt plugin new hello`, as the SDK and the scaffold READMEs assume. */
const inScaffold: ReadmeSetup = async (dir) => ({
  cwd: (await newPlugin("hello", { dir: join(dir, "hello") })).dir,
});

/**
 * A copy of example `name`, as a clone of its repository would be, with the example installed
 * from a local bare repository into the session's own plugins dir (for its `config` commands).
 */
function inExample(name: string): ReadmeSetup {
  return async (dir, github) => {
    const example = join(ROOT, "examples", "plugins", name);
    const repo = await github.createRepo("examples", name);
    await repo.commit(await folderFiles(example), { tags: ["v1.0.0"] });
    const pluginsDir = join(dir, "plugins");
    const dataDir = join(dir, "data");
    await installPlugin({
      spec: `examples/${name}`,
      pluginsDir,
      dataDir,
      gitBase: github.base,
      confirm: () => Promise.resolve(true),
    });
    return {
      cwd: await copyTree(example, join(dir, name)),
      env: { RUNGPT_PLUGINS_DIR: pluginsDir, RUNGPT_DATA_DIR: dataDir },
    };
  };
}

/** The READMEs outside docs/ whose commands this test runs, and where. */
const README_SESSIONS: Record<string, ReadmeSetup> = {
  "sdk/assemblyscript/README.md": inScaffold,
  "lib/plugins/authoring/template/README.md": inScaffold,
  "examples/plugins/text-transform/README.md": inExample("text-transform"),
  "examples/plugins/weather/README.md": inExample("weather"),
  "examples/plugins/checksum/README.md": inExample("checksum"),
  "examples/plugins/currency/README.md": inExample("currency"),
};
/** Every page whose command blocks are run (the others may only hold marked ones). */
const RUN_PAGES = [...PAGES, ...Object.keys(README_SESSIONS)];

/** Fence languages that are commands (everything else is a listing, e.g. yaml or text). */
const COMMAND_LANGS = new Set([
  "sh",
  "bash",
  "shell",
  "console",
  "js",
  "javascript",
  "python",
  "py",
]);
/** rungpt's default address in the docs, replaced by the test server's. */
const DEFAULT_ORIGIN = "http://127.0.0.1:8000";

/** One fenced block of a page. */
export interface DocBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The reason from `<!-- not run: … -->` right before the block, if marked. */
  notRun?: string;
  /** The ```` ```text ```` block right after it: its expected output. */
  expected?: string;
}

/**
 * The fenced blocks of a markdown page, with their `not run` marks and expected outputs.
 *
 * @example
 * ```ts
 * extractBlocks("<!-- not run: x -->\n```sh\nls\n```\n")[0].notRun; // "x"
 * ```
 */
export function extractBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  let lastNonBlank = "";
  let previousEnd = -2; // index of the line closing the previous block
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*([\w-]*)\s*$/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim()) lastNonBlank = lines[i].trim();
      continue;
    }
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].startsWith(fence) && lines[j].trim() === fence)) {
      body.push(lines[j++]);
    }
    const block: DocBlock = { lang: open[2].toLowerCase(), code: body.join("\n"), line: i + 1 };
    const mark = /^<!--\s*not run:\s*(.+?)\s*-->$/.exec(lastNonBlank);
    if (mark) block.notRun = mark[1];
    const prev = blocks.at(-1);
    const onlyBlankBetween = lines.slice(previousEnd + 1, i).every((l) => !l.trim());
    if (block.lang === "text" && prev && COMMAND_LANGS.has(prev.lang) && onlyBlankBetween) {
      prev.expected = block.code;
    }
    blocks.push(block);
    previousEnd = j;
    lastNonBlank = "";
    i = j;
  }
  return blocks;
}

/** Fails unless every expected line (`…` = anything) appears in `actual`, whitespace-normalized. */
function assertOutput(actual: string, expected: string, where: string): void {
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  const lines = norm(actual) === "" ? [] : actual.split("\n").map(norm);
  for (const want of expected.split("\n").map(norm).filter(Boolean)) {
    const parts = want.split("…").map((p) => p.trim()).filter(Boolean);
    const found = lines.some((line) => {
      let at = 0;
      for (const p of parts) {
        const k = line.indexOf(p, at);
        if (k === -1) return false;
        at = k + p.length;
      }
      return true;
    });
    assert.ok(found, `${where}: expected output line "${want}" not found in:\n${actual}`);
  }
}

/** A block to run, with where it came from. */
interface Step {
  page: string;
  block: DocBlock;
}

/** The outcome of one page's session. */
interface SessionResult {
  outputs: string[];
}

/**
 * Runs `steps` (sh blocks) one after another in one bash session, like a terminal: `cd` and
 * `export` carry over, and the first failing command stops it. Each block's output (stdout and
 * stderr together) is returned; a failure names the block and shows its output.
 */
async function runSession(
  steps: Step[],
  opts: { cwd: string; env: Record<string, string>; workDir: string; origin: string },
): Promise<SessionResult> {
  const dir = await Deno.makeTempDir({ dir: opts.workDir, prefix: "session-" });
  const script = ["set -eo pipefail"];
  for (const [i, step] of steps.entries()) {
    await Deno.writeTextFile(
      join(dir, `block_${i}.sh`),
      step.block.code.replaceAll(DEFAULT_ORIGIN, opts.origin) + "\n",
    );
    script.push(`echo ${i} > "${dir}/current"`);
    script.push(`source "${dir}/block_${i}.sh" > "${dir}/out_${i}.txt" 2>&1 < /dev/null`);
  }
  script.push(`echo done > "${dir}/current"`);
  const { code } = await new Deno.Command("bash", {
    args: ["-c", script.join("\n")],
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: true,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).output();
  const current = (await Deno.readTextFile(join(dir, "current"))).trim();
  const outputs: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    outputs.push(await Deno.readTextFile(join(dir, `out_${i}.txt`)).catch(() => ""));
  }
  if (code !== 0 || current !== "done") {
    const i = Number(current);
    const step = steps[i];
    assert.fail(
      `${step?.page}:${step?.block.line}: command block failed (exit ${code}):\n` +
        `${step?.block.code}\n--- output ---\n${outputs[i] ?? ""}`,
    );
  }
  for (const [i, step] of steps.entries()) {
    if (step.block.expected !== undefined) {
      assertOutput(outputs[i], step.block.expected, `${step.page}:${step.block.line}`);
    }
  }
  return { outputs };
}

/** Runs a `js` block (a Node-style ES module using the `openai` package) with Deno. */
async function runJs(
  block: DocBlock,
  opts: { env: Record<string, string>; workDir: string; origin: string; where: string },
): Promise<string> {
  const file = join(opts.workDir, `snippet_${block.line}.mjs`);
  await Deno.writeTextFile(file, block.code.replaceAll(DEFAULT_ORIGIN, opts.origin));
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      join(ROOT, "deno.json"),
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      file,
    ],
    env: opts.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${opts.where}: the snippet failed:\n${out}`);
  return out;
}

/** The question the docs ask, and what the tutorial plugin answers to it. */
const QUESTION = "What is 100 °C in Fahrenheit?";
const CONVERT_ARGS = '{"value":100,"from":"C","to":"F"}';

/**
 * The scripted model: asked the docs' question, it calls `units.convert` (a tool call when
 * rungpt offers tools, else a tag); given the result, it answers from it; otherwise it greets.
 */
function respond(req: RecordedRequest): Reply {
  const messages = req.body.messages as { role: string; content: unknown }[];
  const last = messages.at(-1)!;
  const text = typeof last.content === "string" ? last.content : JSON.stringify(last.content);
  const result = last.role === "tool"
    ? text
    : /<action_result name="units\.convert">\s*([\s\S]*?)\s*<\/action_result>/.exec(text)?.[1];
  if (result !== undefined) {
    const r = JSON.parse(result) as { value: number; unit: string };
    return { text: `100 °C is ${r.value} °${r.unit}.` };
  }
  if (text.includes(QUESTION)) {
    return req.body.tools
      ? { toolCalls: [{ name: toolName("units", "convert"), arguments: CONVERT_ARGS }] }
      : { text: `<action name="units.convert">${CONVERT_ARGS}</action>` };
  }
  return { text: "Hello from the scripted model." };
}

/** Every file of a folder, as a commit would hold it. */
async function folderFiles(dir: string, base = dir): Promise<FileMap> {
  const out: FileMap = {};
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) Object.assign(out, await folderFiles(path, base));
    else out[path.slice(base.length + 1)] = await Deno.readFile(path);
  }
  return out;
}

/** Deno's cache folder, so the fresh home does not download anything again. */
/** Variables that say how to reach the npm registry: trust stores and proxies. */
const NETWORK_ENV = [
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
];

/** The variables of `names` that are set in this process's environment. */
function inherited(names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

async function denoDir(): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(stdout)).denoDir;
}

/** Which blocks of a page run in the shell, which are checked otherwise, and which are marked. */
function plan(page: string, blocks: DocBlock[]): { shell: Step[]; js: Step[] } {
  const shell: Step[] = [], js: Step[] = [];
  for (const block of blocks) {
    if (!COMMAND_LANGS.has(block.lang) || block.notRun) continue;
    if (["sh", "bash", "shell"].includes(block.lang)) shell.push({ page, block });
    else if (["js", "javascript"].includes(block.lang)) js.push({ page, block });
    else {
      assert.fail(
        `${page}:${block.line}: a \`${block.lang}\` block that this test cannot run; run it ` +
          `here or mark it with <!-- not run: why --> on the line before`,
      );
    }
  }
  return { shell, js };
}

Deno.test("docs: every fenced block has a language, and every command block runs or is marked", async () => {
  const pages = [...Deno.readDirSync(join(ROOT, "docs"))]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`);
  const others = [...pages, "README.md", "tests/fixtures/open-meteo/README.md"]
    .filter((p) => !RUN_PAGES.includes(p));
  for (const page of [...RUN_PAGES, ...others]) {
    const text = await Deno.readTextFile(join(ROOT, page));
    for (const block of extractBlocks(text)) {
      assert.ok(block.lang, `${page}:${block.line}: give the fenced block a language`);
      if (block.notRun) {
        assert.ok(COMMAND_LANGS.has(block.lang), `${page}:${block.line}: only commands are run`);
      }
      if (!RUN_PAGES.includes(page)) {
        assert.ok(
          !COMMAND_LANGS.has(block.lang) || block.notRun,
          `${page}:${block.line}: commands belong on a page whose commands are run ` +
            `(${RUN_PAGES.join(", ")})`,
        );
      }
    }
    if (RUN_PAGES.includes(page)) plan(page, extractBlocks(text));
  }
  // Every README an author meets is a page whose commands run: the SDK's, the scaffold's and
  // each example's (the SDK copies inside examples are the SDK's README, byte for byte).
  const examples = [...Deno.readDirSync(join(ROOT, "examples", "plugins"))]
    .filter((e) => e.isDirectory).map((e) => `examples/plugins/${e.name}/README.md`);
  for (const readme of examples) assert.ok(RUN_PAGES.includes(readme), `${readme} is not run`);
});

Deno.test("extractBlocks: marks, languages and expected outputs", () => {
  const blocks = extractBlocks(
    "x\n\n<!-- not run: needs a browser -->\n\n```sh\nopen x\n```\n\n```text\nout\n```\n" +
      "para\n\n```sh\nls\n```\nbetween\n```text\nnot output\n```\n````md\n```sh\nno\n```\n````\n",
  );
  assert.deepEqual(
    blocks.map((b) => [b.lang, b.code, b.notRun, b.expected]),
    [
      ["sh", "open x", "needs a browser", "out"],
      ["text", "out", undefined, undefined],
      ["sh", "ls", undefined, undefined],
      ["text", "not output", undefined, undefined],
      ["md", "```sh\nno\n```", undefined, undefined],
    ],
  );
});

Deno.test("assertOutput: every expected line must appear, … matching anything", () => {
  assertOutput("built /tmp/x/plugin.wasm (12 bytes)\nok", "built …/plugin.wasm (… bytes)", "t");
  assert.throws(() => assertOutput("built x", "built …/plugin.wasm", "t"), /not found/);
  assert.throws(() => assertOutput("", "anything", "t"), /not found/);
});

Deno.test({
  name: "docs: the tutorial and the guide's commands run, and the model calls the tutorial plugin",
  // Spawned `deno` processes and servers are awaited and closed; sanitizers stay on.
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "rungpt-docs-" });
    await using model = await startScriptedModel({ responder: respond });
    await using rg: TestRungpt = await startRungpt({ model });
    await using github = await createGitFixtures();
    try {
      const home = join(work, "home");
      await Deno.mkdir(home);
      await Deno.symlink(ROOT, join(home, "rungpt"));
      const installRoot = join(work, "deno-install");
      const env: Record<string, string> = {
        HOME: home,
        PATH: `${join(installRoot, "bin")}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
        LANG: "C.UTF-8",
        NO_COLOR: "1",
        DENO_DIR: await denoDir(),
        DENO_INSTALL_ROOT: installRoot,
        RUNGPT_DATA_DIR: rg.dataDir,
        RUNGPT_PLUGINS_DIR: rg.pluginsDir,
        RUNGPT_API_TOKEN: rg.token,
        GIT_AUTHOR_NAME: "Docs Reader",
        GIT_AUTHOR_EMAIL: "reader@example.invalid",
        GIT_COMMITTER_NAME: "Docs Reader",
        GIT_COMMITTER_EMAIL: "reader@example.invalid",
        GIT_CONFIG_NOSYSTEM: "1",
        // The reader's way to the npm registry (a proxy, an extra CA), as their shell has it.
        ...inherited(NETWORK_ENV),
      };
      const ctx = { cwd: home, env, workDir: work, origin: rg.origin };

      await t.step("tutorial: every command, in order", async () => {
        const page = "docs/tutorial.md";
        const { shell, js } = plan(page, extractBlocks(await Deno.readTextFile(join(ROOT, page))));
        assert.equal(js.length, 0);
        assert.ok(shell.length >= 10, `only ${shell.length} runnable blocks in ${page}`);
        const { outputs } = await runSession(shell, ctx);
        // The /v1 call ran the action on the server and the answer came from its result.
        const curl = shell.findIndex((s) => s.block.code.includes("/v1/chat/completions"));
        assert.notEqual(curl, -1, "the tutorial has no /v1 example");
        const answer = JSON.parse(outputs[curl]).choices[0].message.content;
        assert.equal(answer, "100 °C is 212 °F.");
        // The update to 0.2.0 happened.
        const lock = JSON.parse(await Deno.readTextFile(join(rg.pluginsDir, "rungpt.lock.json")));
        assert.equal(lock.plugins.units.version, "0.2.0");
        // Step 10 unset step 8's value, so the new version's default (whole degrees) applies.
        assert.deepEqual(await readUserConfig(rg.pluginsDir, "units"), {});
        assert.deepEqual(await getPluginConfig(rg.pluginsDir, "units"), { decimals: 0 });
      });

      await t.step("tutorial: a chat turn in which the model calls units.convert", async () => {
        const before = model.chatRequests().length;
        const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} }))
          .json();
        const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
          method: "POST",
          json: { content: QUESTION },
        });
        assert.equal(sent.status, 202, await sent.clone().text());
        const events = await readEvents(await rg.api(`/api/conversations/${conv.id}/events`));
        assert.equal(events.at(-1)?.event, "end", JSON.stringify(events));
        const requests = model.chatRequests().slice(before);
        assert.equal(requests.length, 2);
        const tools = (requests[0].body.tools ?? []) as { function: { name: string } }[];
        assert.ok(tools.some((x) => x.function.name === toolName("units", "convert")));
        const toolMessage = (requests[1].body.messages as { role: string; content: string }[])
          .find((m) => m.role === "tool");
        assert.equal(toolMessage?.content, '{"unit":"F","value":212}');
        const { messages } = await (await rg.api(`/api/conversations/${conv.id}`)).json();
        const reply = messages.at(-1);
        assert.equal(reply.content, "100 °C is 212 °F.");
        const call = reply.meta.actions[0];
        assert.deepEqual([call.name, call.status, call.result], [
          "units.convert",
          "done",
          '{"unit":"F","value":212}',
        ]);
      });

      await t.step("guide: the CLI, plugin and API commands", async () => {
        // The guide's example plugin, as if published at https://github.com/acme/text-transform.
        const repo = await github.createRepo("acme", "text-transform");
        await repo.commit(
          await folderFiles(join(ROOT, "examples", "plugins", "text-transform")),
          { tags: ["v1.0.0"] },
        );
        const page = "docs/guide.md";
        const { shell, js } = plan(page, extractBlocks(await Deno.readTextFile(join(ROOT, page))));
        const guideEnv = { ...env, RUNGPT_GIT_BASE: github.base };
        const { outputs } = await runSession(shell, { ...ctx, env: guideEnv });
        const models = shell.findIndex((s) => s.block.code.includes("/v1/models"));
        assert.notEqual(models, -1, "the guide has no /v1/models example");
        assert.ok(outputs[models].includes('"gpt-4o"'), outputs[models]);
        assert.ok(js.length >= 1, "the guide has no JavaScript example");
        for (const step of js) {
          const out = await runJs(step.block, {
            env: { ...guideEnv, RUNGPT_TOKEN: rg.token },
            workDir: work,
            origin: rg.origin,
            where: `${page}:${step.block.line}`,
          });
          // The streamed answer came from the (scripted) model through rungpt.
          assert.ok(out.includes("Hello from the scripted model."), out);
        }
      });

      // After the tutorial, which installed the `rungpt` command on PATH.
      const npmCache = Deno.env.get("npm_config_cache") ??
        join(Deno.env.get("HOME") ?? "/root", ".npm");
      for (const [page, setup] of Object.entries(README_SESSIONS)) {
        await t.step(`${page}: every command`, async () => {
          const dir = await Deno.makeTempDir({ dir: work, prefix: "readme-" });
          const session = await setup(dir, github);
          const { shell, js } = plan(
            page,
            extractBlocks(await Deno.readTextFile(join(ROOT, page))),
          );
          assert.equal(js.length, 0, `${page}: only sh blocks are run here`);
          assert.ok(shell.length >= 1, `${page} has no command to run`);
          await runSession(shell, {
            ...ctx,
            cwd: session.cwd,
            // npm's cache, so the fresh home does not download assemblyscript again.
            env: { ...env, npm_config_cache: npmCache, ...session.env },
          });
        });
      }
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
