/**
 * Validates action arguments against the action's JSON Schema, before the plugin runs.
 *
 * Supported keywords (the subset action schemas use): `type` (a name or a list of names:
 * object, string, number, integer, boolean, array, null), `properties`, `required`,
 * `additionalProperties` (boolean or schema), `minProperties`/`maxProperties`, `enum`, `const`,
 * `minimum`/`maximum`, `exclusiveMinimum`/`exclusiveMaximum` (numbers), `multipleOf`,
 * `minLength`/`maxLength` (in code points), `pattern` (unicode regex), `items` (one schema),
 * `minItems`/`maxItems`, `uniqueItems`, `anyOf`, `oneOf`, `allOf`. Others (`default`, `format`,
 * `description`, `title`, `examples`, `$ref`, …) are ignored; the plugin still owns its input.
 *
 * Errors name the path from `arguments`, e.g. `arguments.city: required` or
 * `arguments.days: must be ≤ 16`, so the model can correct its call.
 * @module
 */

type Schema = Record<string, unknown>;

/** Most errors reported for one call; the rest are summarised. */
const MAX_ERRORS = 20;
/** Stop looking after this many errors (bounds the work on huge hostile arguments). */
const STOP_AFTER = 200;

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
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

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isPlainObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      return true; // an unknown type name constrains nothing
  }
}

/** JSON equality, for enum, const and uniqueItems. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const patterns = new Map<string, RegExp | null>();

function compile(pattern: string): RegExp | null {
  if (!patterns.has(pattern)) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(pattern, "u");
    } catch {
      re = null;
    }
    if (patterns.size > 500) patterns.clear();
    patterns.set(pattern, re);
  }
  return patterns.get(pattern)!;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function validate(schema: unknown, value: unknown, path: string, errors: string[]): void {
  if (schema === false) {
    errors.push(`${path}: not allowed`);
    return;
  }
  if (!isSchema(schema)) return; // `true` or a non-schema: anything goes

  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type])
      .filter((t): t is string => typeof t === "string");
    if (types.length && !types.some((t) => hasType(value, t))) {
      const expected = types.map((t) =>
        t === "integer" || t === "array" || t === "object" ? `an ${t}` : `a ${t}`
      )
        .join(" or ");
      errors.push(`${path}: must be ${expected}, got ${typeOf(value)}`);
      return; // further keywords would only repeat the type error
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) {
    errors.push(`${path}: must be one of ${schema.enum.map(show).join(", ")}`);
  }
  if ("const" in schema && !equal(schema.const, value)) {
    errors.push(`${path}: must be ${show(schema.const)}`);
  }

  if (typeof value === "number") numberChecks(schema, value, path, errors);
  if (typeof value === "string") stringChecks(schema, value, path, errors);
  if (Array.isArray(value)) arrayChecks(schema, value, path, errors);
  if (isPlainObject(value)) objectChecks(schema, value, path, errors);

  if (Array.isArray(schema.allOf)) {
    for (const sub of schema.allOf) validate(sub, value, path, errors);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const results = branches.map((sub) => {
      const e: string[] = [];
      validate(sub, value, path, e);
      return e;
    });
    const passing = results.filter((e) => e.length === 0).length;
    if (passing === 0) {
      const own = `${path}: `;
      const why = results.map((e) => e[0].startsWith(own) ? e[0].slice(own.length) : e[0])
        .join("; or ");
      errors.push(`${path}: must match one of the allowed forms (${why})`);
    } else if (key === "oneOf" && passing > 1) {
      errors.push(`${path}: matches more than one of the allowed forms; make it unambiguous`);
    }
  }
}

function numberChecks(schema: Schema, v: number, path: string, errors: string[]): void {
  if (typeof schema.minimum === "number" && v < schema.minimum) {
    errors.push(`${path}: must be ≥ ${schema.minimum}`);
  }
  if (typeof schema.maximum === "number" && v > schema.maximum) {
    errors.push(`${path}: must be ≤ ${schema.maximum}`);
  }
  if (typeof schema.exclusiveMinimum === "number" && v <= schema.exclusiveMinimum) {
    errors.push(`${path}: must be > ${schema.exclusiveMinimum}`);
  }
  if (typeof schema.exclusiveMaximum === "number" && v >= schema.exclusiveMaximum) {
    errors.push(`${path}: must be < ${schema.exclusiveMaximum}`);
  }
  if (typeof schema.multipleOf === "number" && schema.multipleOf > 0) {
    const q = v / schema.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      errors.push(`${path}: must be a multiple of ${schema.multipleOf}`);
    }
  }
}

function stringChecks(schema: Schema, v: string, path: string, errors: string[]): void {
  const needLength = typeof schema.minLength === "number" || typeof schema.maxLength === "number";
  const length = needLength ? codePoints(v) : 0;
  if (typeof schema.minLength === "number" && length < schema.minLength) {
    errors.push(
      schema.minLength === 1
        ? `${path}: must not be empty`
        : `${path}: must be at least ${schema.minLength} characters`,
    );
  }
  if (typeof schema.maxLength === "number" && length > schema.maxLength) {
    errors.push(`${path}: must be at most ${schema.maxLength} characters`);
  }
  if (typeof schema.pattern === "string") {
    const re = compile(schema.pattern);
    if (re === null) {
      errors.push(`${path}: the schema's pattern ${show(schema.pattern)} is invalid`);
    } else if (!re.test(v)) errors.push(`${path}: must match the pattern ${show(schema.pattern)}`);
  }
}

function arrayChecks(schema: Schema, v: unknown[], path: string, errors: string[]): void {
  if (typeof schema.minItems === "number" && v.length < schema.minItems) {
    errors.push(`${path}: must have at least ${schema.minItems} items`);
  }
  if (typeof schema.maxItems === "number" && v.length > schema.maxItems) {
    errors.push(`${path}: must have at most ${schema.maxItems} items`);
  }
  if (schema.uniqueItems === true) {
    for (let i = 1; i < v.length; i++) {
      const j = v.slice(0, i).findIndex((x) => equal(x, v[i]));
      if (j >= 0) {
        errors.push(`${path}[${i}]: duplicates item ${j}; items must be unique`);
        break;
      }
    }
  }
  if (schema.items !== undefined && !Array.isArray(schema.items)) {
    for (let i = 0; i < v.length && errors.length < STOP_AFTER; i++) {
      validate(schema.items, v[i], `${path}[${i}]`, errors);
    }
  }
}

function objectChecks(
  schema: Schema,
  v: Record<string, unknown>,
  path: string,
  errors: string[],
): void {
  const props = isSchema(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const key of schema.required) {
      if (typeof key === "string" && !Object.hasOwn(v, key)) {
        errors.push(`${child(path, key)}: required`);
      }
    }
  }
  const keys = Object.keys(v);
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) {
    errors.push(`${path}: must have at least ${schema.minProperties} properties`);
  }
  if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties) {
    errors.push(`${path}: must have at most ${schema.maxProperties} properties`);
  }
  for (const key of keys) {
    if (errors.length >= STOP_AFTER) return;
    if (Object.hasOwn(props, key)) {
      validate(props[key], v[key], child(path, key), errors);
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(props);
      errors.push(
        `${child(path, key)}: unknown property` +
          (known.length ? ` (allowed: ${known.join(", ")})` : " (no properties are allowed)"),
      );
    } else if (isSchema(schema.additionalProperties)) {
      validate(schema.additionalProperties, v[key], child(path, key), errors);
    }
  }
}

/**
 * Checks `args` against `schema`; returns the errors, empty when valid. Each error starts with
 * the path of the offending value, rooted at `arguments`.
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
  const errors: string[] = [];
  validate(schema, args, "arguments", errors);
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
