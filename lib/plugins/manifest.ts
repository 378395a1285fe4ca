/**
 * The plugin manifest, `rungpt.yaml`: its schema (zod), parser and loader. Errors name the field
 * and the reason, e.g. `rungpt.yaml: actions.0.name: must match ^[a-z][a-z0-9_]{0,63}$`.
 *
 * Fields:
 * - `name`: `^[a-z][a-z0-9_-]{0,39}$`, the plugin's id (its install dir and API namespace);
 *   not `rungpt` or `extism` ({@linkcode RESERVED_NAMES}).
 * - `version`: semver, e.g. `1.2.3`.
 * - `description`: one line shown to the user.
 * - `wasm`: path of the module inside the repository; must resolve (after symlinks) inside it.
 * - `apis`: the `<namespace>:<api>` wasm import modules the module may link: a built-in
 *   (`rungpt:fs`, `rungpt:net`, `rungpt:config`, `rungpt:log`) or `<plugin>:<api>` provided by
 *   another plugin. `extism:host/env` (the Extism kernel) is always allowed and never listed.
 * - `permissions.net.hosts`: hostnames the plugin may reach (`api.example.com`,
 *   `example.com:8080`, `*.example.com`); no scheme, path or credentials.
 * - `permissions.fs`: `{ path, access: read | read-write }` subpaths of the plugin's data dir.
 * - `config`: declared settings `{ type, default?, enum?, description, secret }`.
 * - `actions`: `{ name, description, parameters (JSON Schema, type: object), export?, input?,
 *   confirm, readOnly? }`: `export` is any function name the module exports (`countVowels`, `count-vowels`);
 *   `input: text` passes the one string parameter as the raw input instead of JSON arguments.
 * - `provides`: APIs this plugin exports to others: `{ name, description, functions }`.
 * @module
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { join, sep as SEPARATOR } from "node:path";

/** Plugin names: lowercase, start with a letter, at most 40 characters. */
export const PLUGIN_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** Action and API names: usable as wasm export names and in tool function names. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,63}$/;
/**
 * Whether `name` can be an action's `export`: any name a module can export (UTF-8), without
 * control characters, 1-255 characters, and not one of the names rungpt adds (`__rungpt_*`).
 *
 * @example
 * ```ts
 * isExportName("countVowels"); // true
 * isExportName("__rungpt_start"); // false
 * ```
 */
export function isExportName(name: string): boolean {
  return name.length >= 1 && name.length <= 255 && !name.startsWith("__rungpt_") &&
    ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** `<namespace>:<api>`; the namespace is `rungpt` (built-in) or a plugin name. */
export const API_SPECIFIER = /^([a-z][a-z0-9_-]{0,39}):([a-z][a-z0-9_]{0,63})$/;

/**
 * Namespaces of the host's own import modules (`rungpt:*`, and `extism:host/*` of the Extism
 * kernel): no plugin may be named after one, or its APIs would pose as the host's.
 */
export const RESERVED_NAMES = ["rungpt", "extism"] as const;

/** The built-in APIs rungpt itself provides under the `rungpt` namespace. */
export const BUILTIN_APIS = ["rungpt:fs", "rungpt:net", "rungpt:config", "rungpt:log"] as const;

/** The wasm import module of the Extism kernel; every module may link it. */
export const EXTISM_ENV = "extism:host/env";

/** The manifest's file name at the root of a plugin repository. */
export const MANIFEST_FILE = "rungpt.yaml";

/** Largest manifest accepted, in bytes (a manifest is a few KiB; this bounds parsing work). */
export const MAX_MANIFEST_BYTES = 256 * 1024;

/**
 * A `permissions.net.hosts` entry: a DNS name or IPv4 address, optionally `*.` in front,
 * optionally `:port`. Lowercase only, so comparisons are exact.
 */
export const HOST_PATTERN =
  /^(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::(\d{1,5}))?$/;

const relativePath = z.string().min(1).refine(
  (p) => !p.startsWith("/") && !p.startsWith("\\") && !/^[a-zA-Z]:/.test(p),
  "must be a relative path",
).refine((p) => !p.split(/[\\/]/).includes(".."), "must not contain '..'")
  .refine(
    (p) => ![...p].some((c) => c.charCodeAt(0) < 0x20),
    "must not contain control characters",
  );

/** One `permissions.net.hosts` entry, with an error naming what is wrong with it. */
export const netHost: z.ZodType<string> = z.string().superRefine((h, ctx) => {
  if (h.includes("://") || h.includes("/") || h.includes("@") || h.includes("?")) {
    ctx.addIssue({
      code: "custom",
      message: `"${h}" must be a bare hostname (example.com), without scheme, path or credentials`,
    });
    return;
  }
  const m = HOST_PATTERN.exec(h);
  if (!m || h.length > 260) {
    ctx.addIssue({
      code: "custom",
      message: `"${h}" must be a lowercase hostname, optionally with :port or a leading *.`,
    });
    return;
  }
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    ctx.addIssue({ code: "custom", message: `"${h}": port must be 1-65535` });
  }
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** The JavaScript type name of a config value, to compare with a declared `type`. */
function typeName(v: unknown): string {
  return typeof v;
}

const configEntry = z.object({
  type: z.enum(["string", "number", "boolean"]),
  description: z.string().default(""),
  default: scalar.optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  secret: z.boolean().default(false),
}).strict().superRefine((c, ctx) => {
  if (c.enum) {
    if (c.type === "boolean") {
      ctx.addIssue({ code: "custom", path: ["enum"], message: "not allowed for type boolean" });
    } else if (c.enum.some((v) => typeName(v) !== c.type)) {
      ctx.addIssue({ code: "custom", path: ["enum"], message: `values must be ${c.type}s` });
    }
  }
  if (c.default !== undefined) {
    if (typeName(c.default) !== c.type) {
      ctx.addIssue({ code: "custom", path: ["default"], message: `must be a ${c.type}` });
    } else if (c.enum && !c.enum.includes(c.default as string | number)) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        message: `must be one of ${c.enum.map((v) => JSON.stringify(v)).join(", ")}`,
      });
    }
  }
});

/** A JSON Schema describing an arguments object: `type: object` is required. */
const parametersSchema = z.record(z.string(), z.unknown()).superRefine((s, ctx) => {
  if (s.type !== "object") {
    ctx.addIssue({ code: "custom", path: ["type"], message: 'must be "object"' });
  }
  const props = s.properties;
  if (
    props !== undefined && (typeof props !== "object" || props === null || Array.isArray(props))
  ) {
    ctx.addIssue({ code: "custom", path: ["properties"], message: "must be an object" });
  }
  const req = s.required;
  if (req !== undefined && (!Array.isArray(req) || req.some((r) => typeof r !== "string"))) {
    ctx.addIssue({ code: "custom", path: ["required"], message: "must be a list of strings" });
  }
});

/**
 * The one parameter an `input: text` action passes as raw text, or an issue: its parameters
 * must be exactly one property, of type string, and required.
 */
function textParameter(parameters: Record<string, unknown>): string | { issue: string } {
  const props = parameters.properties;
  const names = typeof props === "object" && props !== null ? Object.keys(props) : [];
  if (names.length !== 1) {
    return {
      issue: `input: text needs exactly one parameter, of type string (found ${names.length})`,
    };
  }
  const [name] = names;
  const type = ((props as Record<string, unknown>)[name] as { type?: unknown } | null)?.type;
  if (type !== "string") {
    return { issue: `input: text needs its parameter "${name}" to be of type string` };
  }
  const required = parameters.required;
  if (!Array.isArray(required) || !required.includes(name)) {
    return { issue: `input: text needs its parameter "${name}" listed in required` };
  }
  return name;
}

const action = z.object({
  name: z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`),
  description: z.string().min(1),
  /** JSON Schema of the arguments object. */
  parameters: parametersSchema.default({ type: "object", properties: {} }),
  /** The wasm export to call; defaults to the action name. */
  export: z.string().refine(
    isExportName,
    "must be a function name the module exports: 1-255 characters, no control characters, " +
      "not starting with __rungpt_",
  ).optional(),
  /**
   * What the export receives: `json` (when omitted), the arguments object as JSON; `text`, the value
   * of the action's one string parameter as raw UTF-8 (what most Extism plugins expect).
   */
  input: z.enum(["json", "text"]).optional(),
  /** Ask the user before every call. */
  confirm: z.boolean().default(false),
  /** The author's claim that a call changes nothing; MCP clients get it as `readOnlyHint`. */
  readOnly: z.boolean().optional(),
}).strict().superRefine((a, ctx) => {
  if (a.input !== "text") return;
  const param = textParameter(a.parameters);
  if (typeof param !== "string") {
    ctx.addIssue({ code: "custom", path: ["input"], message: param.issue });
  }
});

/**
 * The input bytes an action's export receives for its validated arguments (`argsJson`, a JSON
 * object): the JSON itself, or for `input: text` the value of its one string parameter.
 *
 * @example
 * ```ts
 * actionInput({ ...spec, input: "text" }, '{"text":"hello"}'); // "hello"
 * ```
 */
export function actionInput(action: ActionSpec, argsJson: string): string {
  if (action.input !== "text") return argsJson;
  const param = textParameter(action.parameters);
  if (typeof param !== "string") throw new ManifestError(param.issue);
  const value = (JSON.parse(argsJson) as Record<string, unknown>)[param];
  if (typeof value !== "string") {
    throw new ManifestError(`action "${action.name}": "${param}" must be a string`);
  }
  return value;
}

const providedApi = z.object({
  name: z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`),
  description: z.string().default(""),
  /** Exported functions other plugins may import from `<this plugin>:<name>`. */
  functions: z.array(z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`)).min(1),
}).strict();

const fsPermission = z.object({
  path: relativePath,
  access: z.enum(["read", "read-write"]).default("read"),
}).strict();

/** Adds a "duplicate" issue for every repeated value of `key(item)` in `items`. */
function unique<T>(
  items: readonly T[],
  key: (item: T) => string,
  ctx: z.RefinementCtx,
  path: (string | number)[],
  what: string,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) {
      ctx.addIssue({ code: "custom", path: [...path, i], message: `duplicate ${what} "${k}"` });
    }
    seen.add(k);
  });
}

/** The zod schema of `rungpt.yaml`. */
export const manifestSchema = z.object({
  name: z.string().regex(PLUGIN_NAME, `must match ${PLUGIN_NAME.source}`).superRefine(
    (n, ctx) => {
      if (!(RESERVED_NAMES as readonly string[]).includes(n)) return;
      ctx.addIssue({
        code: "custom",
        message: `"${n}" is reserved for rungpt's own APIs (${
          RESERVED_NAMES.join(", ")
        } are taken); choose another name`,
      });
    },
  ),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, "must be semver (1.2.3)"),
  description: z.string().min(1),
  wasm: relativePath,
  apis: z.array(z.string().regex(API_SPECIFIER, "must be <namespace>:<api>")).default([]),
  permissions: z.object({
    net: z.object({ hosts: z.array(netHost).default([]) }).strict().optional(),
    fs: z.array(fsPermission).optional(),
  }).strict().default({}),
  config: z.record(z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`), configEntry)
    .default({}),
  actions: z.array(action).default([]),
  provides: z.array(providedApi).default([]),
}).strict().superRefine((m, ctx) => {
  m.apis.forEach((api, i) => {
    const [ns] = api.split(":");
    if (ns !== "rungpt" && (RESERVED_NAMES as readonly string[]).includes(ns)) {
      ctx.addIssue({
        code: "custom",
        path: ["apis", i],
        message: `"${api}": ${ns} is not a plugin; its functions are always available, unlisted`,
      });
    } else if (ns === "rungpt" && !(BUILTIN_APIS as readonly string[]).includes(api)) {
      ctx.addIssue({
        code: "custom",
        path: ["apis", i],
        message: `unknown built-in API "${api}" (known: ${BUILTIN_APIS.join(", ")})`,
      });
    } else if (ns === m.name) {
      ctx.addIssue({
        code: "custom",
        path: ["apis", i],
        message: `"${api}" names this plugin itself; a plugin cannot import its own API`,
      });
    }
  });
  unique(m.apis, (a) => a, ctx, ["apis"], "API");
  unique(m.permissions.net?.hosts ?? [], (h) => h, ctx, ["permissions", "net", "hosts"], "host");
  unique(m.permissions.fs ?? [], (f) => f.path, ctx, ["permissions", "fs"], "path");
  unique(m.actions, (a) => a.name, ctx, ["actions"], "action name");
  unique(m.provides, (p) => p.name, ctx, ["provides"], "API name");
  m.provides.forEach((p, i) =>
    unique(p.functions, (f) => f, ctx, ["provides", i, "functions"], "function")
  );
});

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** One action of a manifest. */
export type ActionSpec = Manifest["actions"][number];
/** One declared setting of a manifest. */
export type ConfigSpec = Manifest["config"][string];
/** One filesystem permission of a manifest. */
export type FsPermission = z.infer<typeof fsPermission>;

/** Thrown for an unreadable or invalid manifest; `message` names the field and reason. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/**
 * Parses and validates the text of a `rungpt.yaml`.
 *
 * @example
 * ```ts
 * const m = parseManifest("name: demo\nversion: 1.0.0\ndescription: d\nwasm: p.wasm\n");
 * m.name; // "demo"
 * ```
 */
export function parseManifest(text: string, source = MANIFEST_FILE): Manifest {
  let raw: unknown;
  try {
    // `uniqueKeys` (default) rejects duplicate mapping keys, e.g. two config entries of one name.
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ManifestError(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) =>
      `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`
    );
    throw new ManifestError(`${source}: ${issues.join("; ")}`);
  }
  return result.data;
}

/** True when `child` is `parent` or lies below it (both absolute, normalized). */
export function isInside(parent: string, child: string): boolean {
  const p = parent.endsWith(SEPARATOR) ? parent : parent + SEPARATOR;
  return child === parent || child.startsWith(p);
}

/**
 * Resolves `rel` inside `dir` following symlinks, and fails unless the real path is a regular
 * file inside the real `dir`. Returns the real path.
 */
async function realFileInside(dir: string, rel: string, field: string): Promise<string> {
  const realDir = await Deno.realPath(dir);
  let real: string;
  try {
    real = await Deno.realPath(join(realDir, rel));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ManifestError(`${MANIFEST_FILE}: ${field}: "${rel}" does not exist`);
    }
    throw e;
  }
  if (!isInside(realDir, real)) {
    throw new ManifestError(
      `${MANIFEST_FILE}: ${field}: "${rel}" resolves outside the plugin directory`,
    );
  }
  const info = await Deno.stat(real);
  if (!info.isFile) {
    throw new ManifestError(`${MANIFEST_FILE}: ${field}: "${rel}" is not a regular file`);
  }
  return real;
}

/**
 * The real path of the manifest's wasm module inside `dir`; fails with a
 * {@linkcode ManifestError} when it is missing, not a file, or escapes `dir` (by `..` or a
 * symlink).
 *
 * @example
 * ```ts
 * const path = await resolveWasmPath("/plugins/demo", manifest);
 * const bytes = await Deno.readFile(path);
 * ```
 */
export function resolveWasmPath(dir: string, manifest: Manifest): Promise<string> {
  return realFileInside(dir, manifest.wasm, "wasm");
}

/**
 * Reads and validates `<dir>/rungpt.yaml`, including that `wasm` resolves inside `dir`.
 *
 * @example
 * ```ts
 * const manifest = await loadManifest("/plugins/demo");
 * ```
 */
export async function loadManifest(dir: string): Promise<Manifest> {
  const realDir = await Deno.realPath(dir);
  let path: string;
  try {
    path = await Deno.realPath(join(realDir, MANIFEST_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ManifestError(`${MANIFEST_FILE}: not found at the root of the plugin repository`);
    }
    throw e;
  }
  // A symlinked manifest must not read files outside the repository.
  if (!isInside(realDir, path) || !(await Deno.stat(path)).isFile) {
    throw new ManifestError(`${MANIFEST_FILE}: must be a regular file inside the repository`);
  }
  const info = await Deno.stat(path);
  if (info.size > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`${MANIFEST_FILE}: larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const manifest = parseManifest(await Deno.readTextFile(path));
  await resolveWasmPath(dir, manifest);
  return manifest;
}
