/**
 * docs/plugins.md stays in sync with the code where that is cheap to check: every host API and
 * function, every manifest field, the example manifest, the limits table, the Extism imports
 * the C example uses, the tag results format and the tool name encoding.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { createDefaultRegistry } from "../../../lib/plugins/host/mod.ts";
import { BUILTIN_APIS, manifestSchema, parseManifest } from "../../../lib/plugins/manifest.ts";
import { DEFAULT_LIMITS, type PluginLimits } from "../../../lib/plugins/registry.ts";
import { DEFAULT_QUOTA } from "../../../lib/plugins/host/quota.ts";
import { DEFAULT_LOG_BUDGET } from "../../../lib/plugins/host/log.ts";
import { resultsMessage } from "../../../lib/chat/history.ts";
import { toolName } from "../../../lib/tools/openai.ts";

const ROOT = new URL("../../../", import.meta.url);
const DOC = await Deno.readTextFile(new URL("docs/plugins.md", ROOT));

/**
 * The text of the section whose heading line starts with `heading`, up to the next heading of
 * the same or a higher level.
 */
function section(heading: string): string {
  const start = DOC.indexOf(`\n${heading}`);
  assert.notEqual(start, -1, `docs/plugins.md has no heading "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const rest = DOC.slice(DOC.indexOf("\n", start + 1));
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next === -1 ? rest : rest.slice(0, next);
}

/** Whether `word` appears inside some backtick code span of `text`. */
function inCode(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp("`[^`\\n]*\\b" + escaped + "\\b[^`\\n]*`").test(text);
}

Deno.test("plugins doc: every built-in API and host function is documented in its section", () => {
  const registry = createDefaultRegistry();
  assert.deepEqual([...registry.apis.keys()].sort(), [...BUILTIN_APIS].sort());
  for (const [specifier, api] of registry.apis) {
    const text = section(`### \`${specifier}\` — `);
    for (const fn of Object.keys(api.functions)) {
      assert(
        new RegExp("\\|\\s*`" + fn + "`\\s*\\|").test(text),
        `${specifier} ${fn} is not in its table`,
      );
    }
  }
});

/** Every object key anywhere in a zod schema (through defaults, optionals, arrays, records). */
function fieldNames(schema: z.ZodType, out = new Set<string>()): Set<string> {
  // deno-lint-ignore no-explicit-any
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case "object":
      for (const [key, value] of Object.entries(def.shape)) {
        out.add(key);
        fieldNames(value as z.ZodType, out);
      }
      break;
    case "default":
    case "optional":
    case "nullable":
      fieldNames(def.innerType, out);
      break;
    case "array":
      fieldNames(def.element, out);
      break;
    case "record":
      fieldNames(def.valueType, out);
      break;
  }
  return out;
}

Deno.test("plugins doc: every manifest field is in the manifest reference", () => {
  const reference = section("## The manifest: `rungpt.yaml`");
  const fields = fieldNames(manifestSchema);
  for (const f of ["name", "wasm", "apis", "hosts", "access", "secret", "confirm", "functions"]) {
    assert(fields.has(f), `the schema walk found ${f}`);
  }
  for (const field of fields) {
    assert(inCode(reference, field), `manifest field "${field}" is not documented`);
  }
});

Deno.test("plugins doc: the example manifest parses and uses every top-level field", () => {
  const reference = section("## The manifest: `rungpt.yaml`");
  const yaml = reference.match(/```yaml\n([\s\S]*?)```/)?.[1];
  assert(yaml, "the manifest reference has a yaml example");
  const manifest = parseManifest(yaml);
  // deno-lint-ignore no-explicit-any
  const topLevel = Object.keys((manifestSchema as any)._zod.def.shape);
  const written = Object.keys(parseYamlKeys(yaml));
  assert.deepEqual(written.sort(), topLevel.sort());
  assert(manifest.actions.some((a) => a.confirm && a.export));
  assert(manifest.permissions.fs?.some((p) => p.access === "read"));
  assert(Object.values(manifest.config).some((c) => c.secret));
});

/** The top-level keys of a YAML mapping (lines that start a key at column 0). */
function parseYamlKeys(yaml: string): Record<string, true> {
  const keys: Record<string, true> = {};
  for (const m of yaml.matchAll(/^([a-z_]+):/gm)) keys[m[1]] = true;
  return keys;
}

Deno.test("plugins doc: the limits table states the defaults", () => {
  const table = section("## Limits");
  const MiB = 1024 * 1024;
  const rows: [keyof PluginLimits, string, string][] = [
    ["timeoutMs", "Time of one call", `${DEFAULT_LIMITS.timeoutMs / 1000} s`],
    ["memoryBytes", "Linear memory", `${DEFAULT_LIMITS.memoryBytes / MiB} MiB`],
    ["outputBytes", "Output of a call", `${DEFAULT_LIMITS.outputBytes / MiB} MiB`],
    ["hostInputBytes", "Host function request", `${DEFAULT_LIMITS.hostInputBytes / MiB} MiB`],
    ["fileBytes", "File read or written", `${DEFAULT_LIMITS.fileBytes / MiB} MiB`],
    ["httpResponseBytes", "HTTP response body", `${DEFAULT_LIMITS.httpResponseBytes / MiB} MiB`],
    [
      "httpTimeoutMs",
      "HTTP request, redirects included",
      `${DEFAULT_LIMITS.httpTimeoutMs / 1000} s`,
    ],
    ["stateBytes", "State", `${DEFAULT_LIMITS.stateBytes / MiB} MiB`],
    ["wasiCalls", "WASI calls in one call", DEFAULT_LIMITS.wasiCalls.toLocaleString("en-US")],
  ];
  assert.deepEqual(rows.map((r) => r[0]).sort(), Object.keys(DEFAULT_LIMITS).sort());
  const { burstLines, linesPerSecond } = DEFAULT_LOG_BUDGET;
  const logRow: [string, string, string] = [
    "log",
    "Log lines per plugin",
    `${burstLines}, then ${linesPerSecond}/s`,
  ];
  for (const [, label, value] of [...rows, logRow]) {
    const row = table.split("\n").find((l) => l.startsWith(`| ${label}`));
    assert(row, `no limits row "${label}"`);
    assert.equal(row.split("|")[2].trim(), value, `limit "${label}"`);
  }
  const quota: [string, string][] = [
    ["Data dir total", `${DEFAULT_QUOTA.bytes / MiB} MiB`],
    ["Files and folders in the data dir", DEFAULT_QUOTA.files.toLocaleString("en")],
  ];
  for (const [label, value] of quota) {
    const row = table.split("\n").find((l) => l.startsWith(`| ${label}`));
    assert(row, `no limits row "${label}"`);
    assert.equal(row.split("|")[2].trim(), value, `quota "${label}"`);
  }
});

Deno.test("plugins doc: every extism:host/env import of the C example is in the ABI table", async () => {
  const header = await Deno.readTextFile(
    new URL("examples/plugins/checksum/include/extism-pdk.h", ROOT),
  );
  const names = [...header.matchAll(/EXTISM_IMPORT\("([a-z_0-9]+)"\)/g)].map((m) => m[1]);
  assert(names.length > 10);
  const table = section("### `extism:host/env`");
  for (const name of names) {
    assert(inCode(table, name), `extism:host/env ${name} is not documented`);
  }
  for (const name of ["http_request", "http_status_code", "http_headers"]) {
    assert(inCode(table, name), `extism:host/env ${name} is not documented`);
  }
  assert(inCode(table, "extism:host/user"), "extism:host/user is not listed as refused");
  // The header's rungpt imports are real functions of the real APIs.
  const registry = createDefaultRegistry();
  for (const m of header.matchAll(/RUNGPT_IMPORT\("([a-z:]+)", "([a-z_]+)"\)/g)) {
    assert(Object.hasOwn(registry.apis.get(m[1])!.functions, m[2]), `${m[1]} ${m[2]}`);
  }
});

Deno.test("plugins doc: the tag results format and tool names are what the code produces", () => {
  const message = resultsMessage([{
    id: "1",
    name: "checksum.digest",
    args: { text: "hello" },
    status: "done",
    result: '{"algorithm":"sha256"}',
    offset: 0,
    round: 0,
    mode: "tags",
  }]);
  const header = String(message.content).split("\n")[0];
  assert(DOC.includes(`${header}\n<action_result name="checksum.digest">\n`), header);
  for (const [plugin, action] of [["checksum", "digest"], ["web-search", "query"], ["a_", "b"]]) {
    const name = toolName(plugin, action);
    // Prose is re-wrapped by the formatter: compare with whitespace collapsed.
    const flat = DOC.replace(/\s+/g, " ");
    assert(flat.includes(`\`${plugin}.${action}\` → \`${name}\``), `${plugin}.${action} → ${name}`);
  }
});
