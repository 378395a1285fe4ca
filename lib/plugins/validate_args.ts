/**
 * Validates action arguments against the action's JSON Schema (draft 2020-12), before the
 * action runs. `@cfworker/json-schema` does the validating; this module words its findings
 * for the model.
 *
 * `format` is not enforced (the plugin or server still owns its input), as before.
 *
 * Errors name the path from `arguments`, e.g. `arguments.city: required` or
 * `arguments.days: must be ≤ 16`, so the model can correct its call.
 * @module
 */
import { dereference, type OutputUnit, type Schema, validate } from "@cfworker/json-schema";

/** Most errors reported for one call; the rest are summarised. */
const MAX_ERRORS = 20;

/** Keywords whose failure is only a wrapper around the errors of a subschema. */
const WRAPPERS = new Set([
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "unevaluatedProperties",
  "allOf",
  "$ref",
  "$recursiveRef",
  "dependentSchemas",
  "dependencies",
  "format",
]);

/** Resolves JSON-pointer-like locations in the schema and the arguments. */
interface Lookup {
  schemaAt(keywordLocation: string): unknown;
  valueAt(instanceLocation: string): unknown;
  pathOf(instanceLocation: string): string;
}

function segments(location: string): string[] {
  return location.split("/").slice(1).map((s) =>
    decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~")
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function lookupFor(schema: Schema, args: unknown, refs: Record<string, unknown>): Lookup {
  return {
    schemaAt(location) {
      let node: unknown = schema;
      for (const seg of segments(location)) {
        node = seg === "$ref" && isObject(node)
          ? refs[String(node.__absolute_ref__ ?? node.$ref)]
          : (node as Record<string, unknown> | undefined)?.[seg];
      }
      return node;
    },
    valueAt(location) {
      let node: unknown = args;
      for (const seg of segments(location)) node = (node as Record<string, unknown>)?.[seg];
      return node;
    },
    pathOf(location) {
      let path = "arguments";
      let node: unknown = args;
      for (const seg of segments(location)) {
        path = Array.isArray(node) ? `${path}[${seg}]` : child(path, seg);
        node = (node as Record<string, unknown>)?.[seg];
      }
      return path;
    },
  };
}

function expected(type: unknown): string {
  const names = (Array.isArray(type) ? type : [type]).map(String);
  return names.map((t) => t === "integer" || t === "array" || t === "object" ? `an ${t}` : `a ${t}`)
    .join(" or ");
}

/** The text after `"` in messages like `… property "key".`; the key may contain quotes. */
function quotedKey(error: string): string {
  return /"(.*)"/s.exec(error)?.[1] ?? "?";
}

/** One library finding in words, or null when it only wraps others. */
function describe(u: OutputUnit, at: Lookup): string | null {
  const path = at.pathOf(u.instanceLocation);
  const v = at.schemaAt(u.keywordLocation);
  switch (u.keyword) {
    case "type":
      return `${path}: must be ${expected(v)}, got ${typeOf(at.valueAt(u.instanceLocation))}`;
    case "enum":
      return `${path}: must be one of ${(v as unknown[]).map(show).join(", ")}`;
    case "const":
      return `${path}: must be ${show(v)}`;
    case "required":
      return `${child(path, quotedKey(u.error))}: required`;
    case "minimum":
      return `${path}: must be ≥ ${v}`;
    case "maximum":
      return `${path}: must be ≤ ${v}`;
    case "exclusiveMinimum":
      return `${path}: must be > ${v}`;
    case "exclusiveMaximum":
      return `${path}: must be < ${v}`;
    case "multipleOf":
      return `${path}: must be a multiple of ${v}`;
    case "minLength":
      return v === 1 ? `${path}: must not be empty` : `${path}: must be at least ${v} characters`;
    case "maxLength":
      return `${path}: must be at most ${v} characters`;
    case "pattern":
      return `${path}: must match the pattern ${show(v)}`;
    case "minItems":
      return `${path}: must have at least ${v} items`;
    case "maxItems":
      return `${path}: must have at most ${v} items`;
    case "minProperties":
      return `${path}: must have at least ${v} properties`;
    case "maxProperties":
      return `${path}: must have at most ${v} properties`;
    case "uniqueItems": {
      const [a, b] = u.error.match(/\d+/g) ?? [];
      return a === undefined
        ? `${path}: items must be unique`
        : `${path}[${b}]: duplicates item ${a}; items must be unique`;
    }
    case "additionalProperties":
      return v === false ? unknownProperty(u, path, at) : null;
    case "false":
      return `${path}: not allowed`;
    default:
      return WRAPPERS.has(u.keyword) ? null : `${path}: ${u.error}`;
  }
}

function unknownProperty(u: OutputUnit, path: string, at: Lookup): string {
  const parent = at.schemaAt(u.keywordLocation.slice(0, u.keywordLocation.lastIndexOf("/")));
  const props = isObject(parent) && isObject(parent.properties) ? parent.properties : {};
  const known = Object.keys(props);
  return `${child(path, quotedKey(u.error))}: unknown property` +
    (known.length ? ` (allowed: ${known.join(", ")})` : " (no properties are allowed)");
}

/** anyOf/oneOf: why each branch failed, or that more than one matched. */
function describeChoice(u: OutputUnit, inner: OutputUnit[], at: Lookup): string {
  const path = at.pathOf(u.instanceLocation);
  const branches = at.schemaAt(u.keywordLocation) as unknown[];
  const failed = new Map<string, OutputUnit[]>(); // branch index -> its findings
  for (const x of inner) {
    const branch = x.keywordLocation.slice(u.keywordLocation.length + 1).split("/")[0];
    failed.set(branch, [...failed.get(branch) ?? [], x]);
  }
  if (failed.size < branches.length) {
    return `${path}: matches more than one of the allowed forms; make it unambiguous`;
  }
  const own = `${path}: `;
  const why = [...failed.values()].map((units) => describeAll(units, at)[0] ?? "does not match")
    .map((e) => e.startsWith(own) ? e.slice(own.length) : e);
  return `${path}: must match one of the allowed forms (${why.join("; or ")})`;
}

function describeAll(units: OutputUnit[], at: Lookup): string[] {
  const out: string[] = [];
  const typeFailed: string[] = []; // "instance|schema/" prefixes after a type error
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    const base = u.keywordLocation.slice(0, u.keywordLocation.lastIndexOf("/") + 1);
    // After a type error, the same schema's other keywords would only repeat it.
    if (typeFailed.some((p) => `${u.instanceLocation}|${u.keywordLocation}`.startsWith(p))) {
      continue;
    }
    if (u.keyword === "false" && units[i - 1]?.keyword === "additionalProperties") continue;
    if (u.keyword === "anyOf" || u.keyword === "oneOf") {
      let j = i + 1;
      while (units[j]?.keywordLocation.startsWith(u.keywordLocation + "/")) j++;
      out.push(describeChoice(u, units.slice(i + 1, j), at));
      i = j - 1;
      continue;
    }
    if (u.keyword === "type") typeFailed.push(`${u.instanceLocation}|${base}`);
    const message = describe(u, at);
    if (message !== null) out.push(message);
  }
  return out;
}

/**
 * Checks `args` against `schema`; returns the errors, empty when valid. Each error starts with
 * the path of the offending value, rooted at `arguments`. A schema the validator cannot use
 * (a bad pattern, an unresolvable `$ref`) gives one error saying so.
 *
 * @example
 * ```ts
 * const schema = {
 *   type: "object",
 *   required: ["city"],
 *   properties: { city: { type: "string" }, days: { type: "integer", maximum: 16 } },
 * };
 * validateArgs(schema, { days: 20 });
 * // ["arguments.city: required", "arguments.days: must be ≤ 16"]
 * ```
 */
export function validateArgs(schema: Record<string, unknown>, args: unknown): string[] {
  // A copy: the library marks up the schema objects it dereferences.
  const own = structuredClone(schema) as Schema;
  let errors: string[];
  try {
    const refs = dereference(own);
    const units = validate(args, own, "2020-12", refs, false).errors;
    errors = describeAll(units, lookupFor(own, args, refs));
  } catch (e) {
    // A recursive schema ($ref to itself) over very deep arguments runs out of stack.
    if (e instanceof RangeError) return ["arguments: nested too deeply to check"];
    return [
      `arguments: the action's schema cannot be used: ${(e as Error).message.split("\n")[0]}`,
    ];
  }
  if (errors.length > MAX_ERRORS) {
    const more = errors.length - MAX_ERRORS;
    errors.length = MAX_ERRORS;
    errors.push(`… and ${more} more`);
  }
  return errors;
}

/**
 * The errors of {@linkcode validateArgs} as one message for the model, or `null` when valid.
 *
 * @example
 * ```ts
 * formatArgErrors(["arguments.city: required"]);
 * // "invalid arguments: arguments.city: required"
 * ```
 */
export function formatArgErrors(errors: readonly string[]): string | null {
  return errors.length ? `invalid arguments: ${errors.join("; ")}` : null;
}
