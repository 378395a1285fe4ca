import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  actionInput,
  loadManifest,
  ManifestError,
  parseManifest,
} from "../../../lib/plugins/manifest.ts";
import { buildWasm, manifestFields } from "../../support/git_fixtures.ts";

/** Parses `manifestFields(fields)` and returns the error message (fails if it parses). */
function rejectMessage(fields: Record<string, unknown>): string {
  try {
    parseManifest(stringify(manifestFields(fields)));
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected ManifestError, got ${e}`);
    return e.message;
  }
  assert.fail(`manifest was accepted: ${JSON.stringify(fields)}`);
}

Deno.test("parseManifest accepts a full manifest and fills defaults", () => {
  const m = parseManifest(stringify(manifestFields({
    apis: ["rungpt:net", "rungpt:config", "other-plugin:search"],
    permissions: {
      net: { hosts: ["api.example.com", "example.org:8443", "*.cdn.example.net", "10.0.0.1"] },
      fs: [{ path: "cache", access: "read-write" }, { path: "data/in" }],
    },
    config: {
      api_key: { type: "string", secret: true },
      units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
      retries: { type: "number", default: 3 },
    },
    actions: [{
      name: "forecast",
      description: "Weather",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      confirm: true,
    }],
    provides: [{ name: "lookup", functions: ["lookup_city"] }],
  })));
  assert.equal(m.name, "hello");
  assert.deepEqual(m.permissions.fs?.[1], { path: "data/in", access: "read" });
  assert.equal(m.config.api_key.secret, true);
  assert.equal(m.config.units.secret, false);
  assert.equal(m.actions[0].confirm, true);
  assert.deepEqual(
    parseManifest(stringify(manifestFields({ actions: [{ name: "a", description: "d" }] })))
      .actions[0].parameters,
    { type: "object", properties: {} },
  );
});

Deno.test("parseManifest names the field and reason for each kind of bad manifest", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: undefined }, /name: /],
    [{ description: undefined }, /description: /],
    [{ wasm: undefined }, /wasm: /],
    [{ name: "Bad Name" }, /name: must match/],
    [{ name: "-x" }, /name: must match/],
    [
      { name: "rungpt" },
      /name: "rungpt" is reserved for rungpt's own APIs \(rungpt, extism are taken\); choose another name/,
    ],
    [{ name: "extism" }, /name: "extism" is reserved/],
    [{ apis: ["extism:env"] }, /apis\.0: "extism:env": extism is not a plugin/],
    [{ version: "one" }, /version: must be semver/],
    [{ wasm: "../outside.wasm" }, /wasm: must not contain '\.\.'/],
    [{ wasm: "a/../../x.wasm" }, /wasm: must not contain '\.\.'/],
    [{ wasm: "/etc/passwd" }, /wasm: must be a relative path/],
    [{ apis: ["rungpt:shell"] }, /apis\.0: unknown built-in API "rungpt:shell"/],
    [{ apis: ["fs"] }, /apis\.0: must be <namespace>:<api>/],
    [{ apis: ["hello:self"] }, /apis\.0: .*cannot import its own API/],
    [{ apis: ["rungpt:fs", "rungpt:fs"] }, /apis\.1: duplicate API/],
    [
      { permissions: { net: { hosts: ["https://api.example.com"] } } },
      /hosts\.0: .*without scheme/,
    ],
    [{ permissions: { net: { hosts: ["example.com/path"] } } }, /hosts\.0: .*without scheme/],
    [{ permissions: { net: { hosts: ["user@example.com"] } } }, /hosts\.0: /],
    [{ permissions: { net: { hosts: ["Example.COM"] } } }, /hosts\.0: .*lowercase hostname/],
    [{ permissions: { net: { hosts: ["exa mple.com"] } } }, /hosts\.0: /],
    [{ permissions: { net: { hosts: ["*"] } } }, /hosts\.0: /],
    [{ permissions: { net: { hosts: ["example.com:99999"] } } }, /hosts\.0: .*port must be/],
    [{ permissions: { fs: [{ path: "../up" }] } }, /fs\.0\.path: must not contain/],
    [{ permissions: { fs: [{ path: "x", access: "all" }] } }, /fs\.0\.access: /],
    [{ permissions: { shell: true } }, /permissions: .*shell/],
    [{ config: { n: { type: "number", default: "3" } } }, /config\.n\.default: must be a number/],
    [{ config: { b: { type: "boolean", default: 1 } } }, /config\.b\.default: must be a boolean/],
    [
      { config: { u: { type: "string", enum: ["a", "b"], default: "c" } } },
      /config\.u\.default: must be one of "a", "b"/,
    ],
    [
      { config: { u: { type: "string", enum: ["a", 2] } } },
      /config\.u\.enum: values must be strings/,
    ],
    [{ config: { u: { type: "date" } } }, /config\.u\.type: /],
    [{ config: { "Bad-Key": { type: "string" } } }, /config\.Bad-Key: /],
    [
      { actions: [{ name: "a", description: "d", parameters: { type: "string" } }] },
      /actions\.0\.parameters\.type: must be "object"/,
    ],
    [
      { actions: [{ name: "a", description: "d", parameters: { properties: {} } }] },
      /actions\.0\.parameters\.type: must be "object"/,
    ],
    [
      { actions: [{ name: "a", description: "d", parameters: { type: "object", required: "x" } }] },
      /actions\.0\.parameters\.required: must be a list/,
    ],
    [{ actions: [{ name: "Bad", description: "d" }] }, /actions\.0\.name: must match/],
    [{ actions: [{ name: "a" }] }, /actions\.0\.description: /],
    [
      { actions: [{ name: "a", description: "d" }, { name: "a", description: "e" }] },
      /actions\.1: duplicate action name "a"/,
    ],
    [
      { provides: [{ name: "p", functions: ["f"] }, { name: "p", functions: ["g"] }] },
      /provides\.1: duplicate API name "p"/,
    ],
    [{ provides: [{ name: "p", functions: [] }] }, /provides\.0\.functions: /],
    [{ extra: 1 }, /extra/],
  ];
  for (const [fields, re] of cases) {
    const msg = rejectMessage(fields);
    assert.match(msg, /^rungpt\.yaml: /, msg);
    assert.match(msg, re, `${JSON.stringify(fields)} -> ${msg}`);
  }
});

const TEXT_PARAMS = {
  type: "object",
  properties: { text: { type: "string" } },
  required: ["text"],
};

Deno.test("parseManifest: an action may call any export name the module can have", () => {
  for (const name of ["countVowels", "count-vowels", "Count.Vowels", "über", "_start"]) {
    const m = parseManifest(stringify(manifestFields({
      actions: [{ name: "count", description: "d", export: name }],
    })));
    assert.equal(m.actions[0].export, name);
  }
  for (const bad of ["", "__rungpt_start", "a\nb", "x".repeat(256)]) {
    assert.match(
      rejectMessage({ actions: [{ name: "count", description: "d", export: bad }] }),
      /actions\.0\.export: must be a function name the module exports/,
    );
  }
});

Deno.test("parseManifest: input text needs exactly one required string parameter", () => {
  const ok = parseManifest(stringify(manifestFields({
    actions: [{ name: "count", description: "d", input: "text", parameters: TEXT_PARAMS }],
  })));
  assert.equal(ok.actions[0].input, "text");
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ type: "object", properties: {} }, /exactly one parameter, of type string \(found 0\)/],
    [
      { type: "object", properties: { a: { type: "string" }, b: { type: "string" } } },
      /exactly one parameter, of type string \(found 2\)/,
    ],
    [
      { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
      /its parameter "n" to be of type string/,
    ],
    [{ type: "object", properties: { t: { type: "string" } } }, /"t" listed in required/],
  ];
  for (const [parameters, message] of cases) {
    const error = rejectMessage({
      actions: [{ name: "count", description: "d", input: "text", parameters }],
    });
    assert.match(error, /actions\.0\.input: input: text needs/);
    assert.match(error, message);
  }
  assert.match(
    rejectMessage({ actions: [{ name: "count", description: "d", input: "bytes" }] }),
    /actions\.0\.input/,
  );
});

Deno.test("actionInput: JSON arguments as they are, or the raw text of input text", () => {
  const m = parseManifest(stringify(manifestFields({
    actions: [
      { name: "as_json", description: "d", parameters: TEXT_PARAMS },
      { name: "as_text", description: "d", input: "text", parameters: TEXT_PARAMS },
    ],
  })));
  const args = JSON.stringify({ text: 'say "hi"\n' });
  assert.equal(actionInput(m.actions[0], args), args);
  assert.equal(actionInput(m.actions[1], args), 'say "hi"\n');
});

Deno.test("parseManifest rejects invalid YAML and duplicate keys", () => {
  assert.throws(() => parseManifest("name: [unclosed"), /rungpt\.yaml: not valid YAML/);
  assert.throws(
    () => parseManifest("name: a\nname: b\nversion: 1.0.0\ndescription: d\nwasm: p.wasm\n"),
    /not valid YAML: .*unique/i,
  );
  assert.throws(() => parseManifest("just a string"), /\(root\): /);
});

Deno.test("loadManifest resolves wasm inside the repo and refuses escapes", async () => {
  const root = await Deno.makeTempDir();
  try {
    const repo = join(root, "repo");
    await Deno.mkdir(join(repo, "build"), { recursive: true });
    await Deno.writeFile(join(repo, "build", "p.wasm"), buildWasm());
    await Deno.writeFile(join(root, "outside.wasm"), buildWasm());
    const write = (fields: Record<string, unknown>) =>
      Deno.writeTextFile(join(repo, "rungpt.yaml"), stringify(manifestFields(fields)));

    await write({ wasm: "build/p.wasm" });
    assert.equal((await loadManifest(repo)).wasm, "build/p.wasm");

    await write({ wasm: "missing.wasm" });
    await assert.rejects(loadManifest(repo), /wasm: "missing\.wasm" does not exist/);

    await write({ wasm: "build" });
    await assert.rejects(loadManifest(repo), /wasm: "build" is not a regular file/);

    await Deno.symlink("../outside.wasm", join(repo, "link.wasm"));
    await write({ wasm: "link.wasm" });
    await assert.rejects(loadManifest(repo), /wasm: "link\.wasm" resolves outside the plugin/);

    await Deno.symlink(root, join(repo, "up"));
    await write({ wasm: "up/outside.wasm" });
    await assert.rejects(loadManifest(repo), /resolves outside the plugin directory/);

    // A symlink that stays inside is fine.
    await Deno.symlink("build/p.wasm", join(repo, "inside.wasm"));
    await write({ wasm: "inside.wasm" });
    assert.equal((await loadManifest(repo)).wasm, "inside.wasm");

    // The manifest itself must not be a symlink out of the repo.
    await Deno.remove(join(repo, "rungpt.yaml"));
    await assert.rejects(loadManifest(repo), /rungpt\.yaml: not found/);
    await Deno.writeTextFile(join(root, "evil.yaml"), stringify(manifestFields()));
    await Deno.symlink("../evil.yaml", join(repo, "rungpt.yaml"));
    await assert.rejects(loadManifest(repo), /must be a regular file inside the repository/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
