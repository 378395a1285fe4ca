/**
 * The plugin manifest, `rungpt.yaml`: its schema (zod) and parser. Errors name the field and
 * the reason, e.g. `rungpt.yaml: actions.0.name: must match ^[a-z][a-z0-9_]*$`.
 * @module
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";

/** Plugin names: lowercase, start with a letter, at most 40 characters. */
export const PLUGIN_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** Action and API names: usable as wasm export names and in tool function names. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,63}$/;
/** `<namespace>:<api>`; the namespace is `rungpt` (built-in) or a plugin name. */
export const API_SPECIFIER = /^([a-z][a-z0-9_-]{0,39}):([a-z][a-z0-9_]{0,63})$/;

/** The built-in APIs rungpt itself provides under the `rungpt` namespace. */
export const BUILTIN_APIS = ["rungpt:fs", "rungpt:net", "rungpt:config", "rungpt:log"] as const;

const relativePath = z.string().min(1).refine(
  (p) => !p.startsWith("/") && !p.startsWith("\\") && !/^[a-zA-Z]:/.test(p),
  "must be a relative path",
).refine((p) => !p.split(/[\\/]/).includes(".."), "must not contain '..'");

const configEntry = z.object({
  type: z.enum(["string", "number", "boolean"]),
  description: z.string().default(""),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  enum: z.array(z.union([z.string(), z.number()])).optional(),
  secret: z.boolean().default(false),
}).strict();

const action = z.object({
  name: z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`),
  description: z.string().min(1),
  /** JSON Schema of the arguments object. */
  parameters: z.record(z.string(), z.unknown()).default({ type: "object", properties: {} }),
  /** The wasm export to call; defaults to the action name. */
  export: z.string().regex(IDENTIFIER).optional(),
  /** Ask the user before every call. */
  confirm: z.boolean().default(false),
}).strict();

const providedApi = z.object({
  name: z.string().regex(IDENTIFIER, `must match ${IDENTIFIER.source}`),
  description: z.string().default(""),
  /** Exported functions other plugins may import from `<this plugin>:<name>`. */
  functions: z.array(z.string().regex(IDENTIFIER)).min(1),
}).strict();

/** The zod schema of `rungpt.yaml`. */
export const manifestSchema = z.object({
  name: z.string().regex(PLUGIN_NAME, `must match ${PLUGIN_NAME.source}`),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, "must be semver (1.2.3)"),
  description: z.string().min(1),
  wasm: relativePath,
  apis: z.array(z.string().regex(API_SPECIFIER, "must be <namespace>:<api>")).default([]),
  permissions: z.object({
    net: z.object({ hosts: z.array(z.string().min(1)).default([]) }).strict().optional(),
    fs: z.array(z.object({
      path: relativePath,
      access: z.enum(["read", "read-write"]).default("read"),
    }).strict()).optional(),
  }).strict().default({}),
  config: z.record(z.string().regex(IDENTIFIER), configEntry).default({}),
  actions: z.array(action).default([]),
  provides: z.array(providedApi).default([]),
}).strict();

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** One action of a manifest. */
export type ActionSpec = Manifest["actions"][number];

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
export function parseManifest(text: string, source = "rungpt.yaml"): Manifest {
  let raw: unknown;
  try {
    raw = parseYaml(text);
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
