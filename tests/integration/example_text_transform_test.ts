/**
 * examples/plugins/text-transform as a user gets it: the repository is committed to a local
 * bare git repo, tagged v1.0.0, installed with the real installer, and its actions called
 * through the plugin manager the server uses; then one chat turn per action mode (tags and
 * native tool calls) with the scripted model, checking that the result reaches the model.
 * Also: the committed plugin.wasm is what its sources build to, and the repository's own
 * plugin_test.ts passes.
 * @module
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join, relative } from "node:path";
import { sdkFiles } from "../../lib/plugins/authoring/sdk.ts";
import { TEMPLATE_DIR } from "../../lib/plugins/authoring/scaffold.ts";
import { installPlugin } from "../../lib/plugins/install.ts";
import { setPluginConfig } from "../../lib/plugins/installed.ts";
import { createPluginManager } from "../../lib/plugins/manager.ts";
import { PluginError } from "../../lib/plugins/runtime.ts";
import { toolName } from "../../lib/tools/openai.ts";
import { createGitFixtures, type FileMap } from "../support/git_fixtures.ts";
import { readEvents, startRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const EXAMPLE = join(import.meta.dirname!, "..", "..", "examples", "plugins", "text-transform");

/** Every file of the example repository, as a commit would hold it. */
async function exampleFiles(dir = EXAMPLE): Promise<FileMap> {
  const out: FileMap = {};
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) Object.assign(out, await exampleFiles(path));
    else out[relative(EXAMPLE, path)] = await Deno.readFile(path);
  }
  return out;
}

/** Installs the example from a fresh bare repo tagged v1.0.0 into `pluginsDir`. */
async function installExample(pluginsDir: string, dataDir: string): Promise<AsyncDisposable> {
  const git = await createGitFixtures();
  const repo = await git.createRepo("acme", "text-transform");
  await repo.commit(await exampleFiles(), { tags: ["v1.0.0"] });
  const r = await installPlugin({
    spec: "acme/text-transform",
    pluginsDir,
    dataDir,
    gitBase: git.base,
    confirm: () => Promise.resolve(true),
  });
  assertEquals([r.name, r.entry.ref, r.entry.version], ["text-transform", "v1.0.0", "1.0.0"]);
  return git;
}

// The committed plugin.wasm is checked against its sources by build_plugins_test.ts.
Deno.test("text-transform: the vendored SDK and build script are up to date", async () => {
  for (const [rel, content] of Object.entries(await sdkFiles())) {
    assertEquals(await Deno.readTextFile(join(EXAMPLE, rel)), content, `${rel} differs from sdk/`);
  }
  assertEquals(
    await Deno.readTextFile(join(EXAMPLE, "build.ts")),
    await Deno.readTextFile(join(TEMPLATE_DIR, "build.ts")),
  );
  assertEquals(await Deno.readTextFile(join(EXAMPLE, ".gitignore")), "node_modules/\n");
});

Deno.test("text-transform: installed from git, every action through the plugin manager", async (t) => {
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-tt-plugins-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-tt-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  await using _git = await installExample(pluginsDir, dataDir);
  const call = async (action: string, args: unknown) =>
    JSON.parse(await plugins.call("text-transform", action, JSON.stringify(args)));
  const fails = async (action: string, args: unknown): Promise<string> => {
    const e = await plugins.call("text-transform", action, JSON.stringify(args)).then(
      () => null,
      (e) => e,
    );
    assert.ok(e instanceof PluginError && e.kind === "plugin_error", `${action}: ${e}`);
    return e.message;
  };
  try {
    await t.step("actions are listed with their schemas", async () => {
      const actions = (await plugins.actions()).map((a) => a.action);
      assertEquals(actions.map((a) => a.name), [
        "uppercase",
        "lowercase",
        "title_case",
        "slugify",
        "reverse",
        "count",
        "base64_encode",
        "base64_decode",
        "replace",
      ]);
      for (const a of actions) {
        assertEquals(a.parameters.type, "object");
        assert.ok((a.parameters.required as string[]).includes("text"), a.name);
      }
    });
    await t.step("case mapping, full Unicode and the tr locale", async () => {
      assertEquals(await call("uppercase", { text: "straße ǆ ﬁ" }), { result: "STRASSE Ǆ FI" });
      assertEquals(await call("uppercase", { text: "" }), { result: "" });
      assertEquals(await call("lowercase", { text: "ÀÉÎ ΩΜΕΓΑ" }), { result: "àéî ωμεγα" });
      assertEquals(await call("uppercase", { text: "istanbul ı", locale: "tr" }), {
        result: "İSTANBUL I",
      });
      assertEquals(await call("lowercase", { text: "DİYARBAKIR", locale: "tr" }), {
        result: "diyarbakır",
      });
      assertEquals(await call("title_case", { text: "hELLO wide-world o'neil (the) «end»" }), {
        result: "Hello Wide-World O'neil (The) «End»",
      });
    });
    await t.step("slugify folds diacritics and keeps non-Latin letters", async () => {
      assertEquals(await call("slugify", { text: "  Héllo, Wörld! Straße — 日本  " }), {
        result: "hello-world-strasse-日本",
      });
      assertEquals(await call("slugify", { text: "a b", separator: "_" }), { result: "a_b" });
      assertEquals(await call("slugify", { text: "!!!" }), { result: "" });
      assert.match(await fails("slugify", { text: "a", separator: "----" }), /at most 3/);
    });
    await t.step("reverse keeps surrogate pairs intact", async () => {
      assertEquals(await call("reverse", { text: "ab😀c𝄞" }), { result: "𝄞c😀ba" });
      assertEquals(await call("reverse", { text: "" }), { result: "" });
    });
    await t.step("count: code points, words, lines, bytes", async () => {
      assertEquals(await call("count", { text: "Hello wörld 😀\nsecond  line " }), {
        characters: 27,
        characters_no_spaces: 21,
        words: 5,
        lines: 2,
        bytes: 31,
      });
      assertEquals(await call("count", { text: "" }), {
        characters: 0,
        characters_no_spaces: 0,
        words: 0,
        lines: 0,
        bytes: 0,
      });
    });
    await t.step("base64 both ways; invalid input is a clear error", async () => {
      assertEquals(await call("base64_encode", { text: "héllo 😀" }), {
        result: "aMOpbGxvIPCfmIA=",
      });
      assertEquals(await call("base64_encode", { text: "ab" }), { result: "YWI=" });
      assertEquals(await call("base64_decode", { text: "aMOpbGxv\nIPCfmIA=" }), {
        result: "héllo 😀",
      });
      assertEquals(await call("base64_decode", { text: "YWI" }), { result: "ab" });
      assert.match(
        await fails("base64_decode", { text: "not base64!" }),
        /invalid base64: unexpected character '!' at position 10/,
      );
      assert.match(await fails("base64_decode", { text: "YWJjZ" }), /invalid base64: wrong length/);
      assert.match(await fails("base64_decode", { text: "/w==" }), /not valid UTF-8/);
    });
    await t.step("replace: the regex subset", async () => {
      const cases: [Record<string, string>, string, number][] = [
        [
          { pattern: "(\\d{4})-(\\d\\d)-(\\d\\d)", replacement: "$3/$2/$1" },
          "15/01/2024 and 31/12/1999",
          2,
        ],
      ];
      for (const [args, result, count] of cases) {
        assertEquals(await call("replace", { text: "2024-01-15 and 1999-12-31", ...args }), {
          result,
          count,
        });
      }
      const r = (text: string, pattern: string, replacement: string, flags?: string) =>
        call("replace", { text, pattern, replacement, ...(flags === undefined ? {} : { flags }) });
      assertEquals(await r("Hello hello", "hello", "bye", "i"), { result: "bye hello", count: 1 });
      assertEquals(await r("Hello hello", "hello", "bye", "gi"), { result: "bye bye", count: 2 });
      assertEquals(await r("abc", "x*", "-"), { result: "-a-b-c-", count: 4 });
      assertEquals(await r("cat bat rat", "\\b(c|r)at\\b", "<$&>"), {
        result: "<cat> bat <rat>",
        count: 2,
      });
      assertEquals(await r("l1\nl2", "^l", "L", "gm"), { result: "L1\nL2", count: 2 });
      assertEquals(await r("l1\nl2", "^l", "L", "g"), { result: "L1\nl2", count: 1 });
      assertEquals(await r("x😀y", ".", "[$&]"), { result: "[x][😀][y]", count: 3 });
      assertEquals(await r("a1b22c333", "[^a-c]{2,3}?", "#"), { result: "a1b#c#3", count: 2 });
      assertEquals(await r("a.b.c", "\\.", "$$"), { result: "a$b$c", count: 2 });
      assertEquals(await r("  x \t y ", "\\s+", " "), { result: " x y ", count: 3 });
      assertEquals(await r("aaa", "(a*)*", "-"), { result: "--", count: 2 });
      assertEquals(await r("foo", "(?:fo)+?o", "X"), { result: "X", count: 1 });
      assertEquals(await r("ab", "a|ab", "X"), { result: "Xb", count: 1 });
      assertEquals(await r("ÉCOLE école", "école", "x", "gi"), { result: "x x", count: 2 });
    });
    await t.step("replace: bad patterns and runaway backtracking fail clearly", async () => {
      for (
        const [pattern, message] of [
          ["(", "invalid pattern: missing ) to close the group at position 1"],
          ["a)", "invalid pattern: unmatched ) at position 1"],
          ["*a", "invalid pattern: nothing to repeat at position 0"],
          ["a{3,1}", "{m,n} with n < m"],
          ["[z-a]", "invalid range"],
          ["(?=a)", "(? groups other than (?: are not supported"],
          ["\\1", "unsupported escape \\1"],
          ["a{2000}", "repeat counts above 1000"],
          ["[abc", "unterminated [ class"],
        ]
      ) {
        const m = await fails("replace", { text: "abc", pattern, replacement: "" });
        assert.ok(m.includes(message), `${pattern}: ${m}`);
      }
      assert.match(
        await fails("replace", { text: "abc", pattern: "a", flags: "x" }),
        /unknown flag "x"/,
      );
      const runaway = await fails("replace", {
        text: "a".repeat(40) + "!",
        pattern: "(a+)+$",
        replacement: "",
      });
      assert.match(runaway, /too complex for this text: gave up after 1000000 steps/);
      assert.match(await fails("replace", { text: "abc" }), /"pattern" is required/);
    });
    await t.step("missing text and settings: locale and max_input_chars", async () => {
      assert.match(await fails("uppercase", {}), /"text" is required and must be a string/);
      assert.match(await fails("count", { text: 5 }), /"text" is required/);
      await setPluginConfig(pluginsDir, "text-transform", { locale: "tr", max_input_chars: 5 });
      await plugins.invalidate("text-transform");
      assertEquals(await call("uppercase", { text: "iı" }), { result: "İI" });
      assertEquals(await call("uppercase", { text: "iı", locale: "default" }), { result: "II" });
      assert.match(
        await fails("reverse", { text: "123456" }),
        /the text is 6 characters long; the limit \(setting max_input_chars\) is 5/,
      );
    });
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

for (const mode of ["tags", "native"] as const) {
  Deno.test(`text-transform: a chat turn in ${mode} mode calls slugify and the model sees the result`, async () => {
    const args = JSON.stringify({ text: "Hello, Wonderful World!" });
    await using model = await startScriptedModel({
      replies: [
        mode === "tags"
          ? { text: `Let me slugify that. <action name="text-transform.slugify">${args}</action>` }
          : { toolCalls: [{ name: toolName("text-transform", "slugify"), arguments: args }] },
        { text: "The slug is hello-wonderful-world." },
      ],
    });
    await using rg = await startRungpt({ model });
    await using _git = await installExample(rg.pluginsDir, rg.dataDir);
    const saved = await rg.api("/api/settings", { method: "PUT", json: { actionMode: mode } });
    assertEquals(saved.status, 200, await saved.clone().text());

    const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
    const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      json: { content: "Make a slug of: Hello, Wonderful World!" },
    });
    assertEquals(sent.status, 202, await sent.clone().text());
    const events = await readEvents(await rg.api(`/api/conversations/${conv.id}/events`));
    assertEquals(events.at(-1)?.event, "end", JSON.stringify(events));

    const requests = model.chatRequests();
    assertEquals(requests.length, 2);
    const first = requests[0].body;
    const second = requests[1].body.messages as { role: string; content: unknown }[];
    const texts = second.map((m) =>
      `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`
    );
    if (mode === "tags") {
      assertEquals(first.tools, undefined);
      assert.ok(JSON.stringify(first.messages[0]).includes("text-transform.slugify"));
      const result = texts.find((t) =>
        t.includes('<action_result name="text-transform.slugify"')
      ) ??
        "";
      assert.ok(result?.startsWith("user: "), texts.join("\n"));
      assert.ok(result.includes('{"result":"hello-wonderful-world"}'), result);
    } else {
      const tools = (first.tools as { function: { name: string } }[]).map((t) => t.function.name);
      assert.ok(tools.includes(toolName("text-transform", "slugify")), tools.join());
      const result = texts.find((t) => t.startsWith("tool: "));
      assertEquals(result, 'tool: {"result":"hello-wonderful-world"}', texts.join("\n"));
    }
  });
}
