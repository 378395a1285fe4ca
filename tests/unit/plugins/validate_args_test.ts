import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatArgErrors, validateArgs } from "../../../lib/plugins/validate_args.ts";

const forecast = {
  type: "object",
  required: ["city"],
  additionalProperties: false,
  properties: {
    city: { type: "string", minLength: 1, maxLength: 5 },
    days: { type: "integer", minimum: 1, maximum: 16, default: 3 },
    units: { enum: ["metric", "imperial"] },
    tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 2 },
  },
};

Deno.test("valid arguments give no errors", () => {
  assertEquals(validateArgs(forecast, { city: "Paris" }), []);
  assertEquals(
    validateArgs(forecast, { city: "Oslo", days: 16, units: "metric", tags: ["a"] }),
    [],
  );
  assertEquals(validateArgs({ type: "object" }, {}), []);
});

Deno.test("required, bounds, type and enum errors name the path", () => {
  assertEquals(validateArgs(forecast, { days: 20 }), [
    "arguments.city: required",
    "arguments.days: must be ≤ 16",
  ]);
  assertEquals(validateArgs(forecast, { city: "", days: 0 }), [
    "arguments.city: must not be empty",
    "arguments.days: must be ≥ 1",
  ]);
  assertEquals(validateArgs(forecast, { city: "Paris", days: 2.5 }), [
    "arguments.days: must be an integer, got number",
  ]);
  assertEquals(validateArgs(forecast, { city: 3 }), [
    "arguments.city: must be a string, got integer",
  ]);
  assertEquals(validateArgs(forecast, { city: "Paris", units: "kelvin" }), [
    'arguments.units: must be one of "metric", "imperial"',
  ]);
  assertEquals(validateArgs(forecast, { city: "Avignon" }), [
    "arguments.city: must be at most 5 characters",
  ]);
});

Deno.test("arrays: items, sizes and item paths", () => {
  assertEquals(validateArgs(forecast, { city: "Rome", tags: [] }), [
    "arguments.tags: must have at least 1 items",
  ]);
  assertEquals(validateArgs(forecast, { city: "Rome", tags: ["a", 2, "c"] }), [
    "arguments.tags: must have at most 2 items",
    "arguments.tags[1]: must be a string, got integer",
  ]);
  assertEquals(validateArgs({ type: "array", uniqueItems: true }, [1, { a: 1 }, { a: 1 }]), [
    "arguments[2]: duplicates item 1; items must be unique",
  ]);
});

Deno.test("additionalProperties false and schema", () => {
  assertEquals(validateArgs(forecast, { city: "Rome", extra: 1, "odd key": 2 }), [
    "arguments.extra: unknown property (allowed: city, days, units, tags)",
    'arguments["odd key"]: unknown property (allowed: city, days, units, tags)',
  ]);
  assertEquals(
    validateArgs({ type: "object", additionalProperties: { type: "number" } }, { a: 1, b: "x" }),
    ["arguments.b: must be a number, got string"],
  );
});

Deno.test("the top level must be an object when the schema says so", () => {
  assertEquals(validateArgs(forecast, []), ["arguments: must be an object, got array"]);
  assertEquals(validateArgs(forecast, null), ["arguments: must be an object, got null"]);
});

Deno.test("nested objects, const, pattern, exclusive bounds, multipleOf", () => {
  const schema = {
    type: "object",
    properties: {
      at: {
        type: "object",
        required: ["lat"],
        properties: { lat: { type: "number", exclusiveMinimum: -90, exclusiveMaximum: 90 } },
      },
      v: { const: 1 },
      code: { type: "string", pattern: "^[A-Z]{3}$" },
      step: { type: "number", multipleOf: 0.5 },
    },
  };
  assertEquals(validateArgs(schema, { at: {}, v: 2, code: "abc", step: 0.3 }), [
    "arguments.at.lat: required",
    "arguments.v: must be 1",
    'arguments.code: must match the pattern "^[A-Z]{3}$"',
    "arguments.step: must be a multiple of 0.5",
  ]);
  assertEquals(validateArgs(schema, { at: { lat: 90 }, step: 1.5 }), [
    "arguments.at.lat: must be < 90",
  ]);
  assertEquals(validateArgs({ type: "string", pattern: "(" }, "x"), [
    "arguments: the action's schema cannot be used: Invalid regular expression: /(/u: Unterminated group",
  ]);
});

Deno.test("type lists, anyOf, oneOf and allOf", () => {
  const nullable = { type: ["string", "null"] };
  assertEquals(validateArgs(nullable, null), []);
  assertEquals(validateArgs(nullable, 1), ["arguments: must be a string or a null, got integer"]);
  const anyOf = { anyOf: [{ type: "string" }, { type: "integer", minimum: 0 }] };
  assertEquals(validateArgs(anyOf, "x"), []);
  assertEquals(validateArgs(anyOf, 3), []);
  assertEquals(validateArgs(anyOf, -1), [
    "arguments: must match one of the allowed forms (must be a string, got integer; or must be ≥ 0)",
  ]);
  const oneOf = { oneOf: [{ type: "number" }, { type: "integer" }] };
  assertEquals(validateArgs(oneOf, 1.5), []);
  assertEquals(validateArgs(oneOf, 1), [
    "arguments: matches more than one of the allowed forms; make it unambiguous",
  ]);
  const allOf = { allOf: [{ minimum: 1 }, { maximum: 3 }] };
  assertEquals(validateArgs(allOf, 5), ["arguments: must be ≤ 3"]);
});

Deno.test("string lengths count code points; defaults and unknown keywords are ignored", () => {
  assertEquals(validateArgs({ type: "string", maxLength: 2 }, "😀😀"), []);
  assertEquals(validateArgs({ type: "string", default: 3, format: "email", title: "x" }, "a"), []);
});

Deno.test("$ref into $defs is followed, and an unresolvable $ref is reported", () => {
  const schema = {
    type: "object",
    $defs: { day: { type: "integer", minimum: 1 } },
    properties: { from: { $ref: "#/$defs/day" }, to: { $ref: "#/$defs/day" } },
  };
  assertEquals(validateArgs(schema, { from: 2, to: 0 }), ["arguments.to: must be ≥ 1"]);
  assertEquals(validateArgs(schema, { from: "x" }), [
    "arguments.from: must be an integer, got string",
  ]);
  assertEquals(
    validateArgs({ properties: { a: { $ref: "#/$defs/none" } } }, { a: 1 })[0]
      .startsWith('arguments: the action\'s schema cannot be used: Unresolved $ref "#/$defs/none"'),
    true,
  );
});

Deno.test("arguments nested too deeply for a recursive schema end with an error, not a crash", () => {
  const tree = { $defs: { node: { type: "array", items: { $ref: "#/$defs/node" } } } };
  const schema = { ...tree, $ref: "#/$defs/node" };
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assertEquals(validateArgs(schema, deep), ["arguments: nested too deeply to check"]);
  assertEquals(validateArgs(schema, [[[]]]), []);
});

Deno.test("the caller's schema is left as it was", () => {
  const schema = { type: "object", properties: { a: { $ref: "#/$defs/a" } }, $defs: { a: {} } };
  const before = structuredClone(schema);
  validateArgs(schema, { a: 1 });
  assertEquals(
    Object.getOwnPropertyNames(schema.properties.a),
    Object.getOwnPropertyNames(before.properties.a),
  );
  assertEquals(schema, before);
});

Deno.test("many errors are capped and summarised", () => {
  const schema = { type: "object", additionalProperties: false };
  const args = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
  const errors = validateArgs(schema, args);
  assertEquals(errors.length, 21);
  assertEquals(errors.at(-1), "… and 10 more");
});

Deno.test("formatArgErrors", () => {
  assertEquals(formatArgErrors([]), null);
  assertEquals(
    formatArgErrors(["arguments.city: required", "arguments.days: must be ≤ 16"]),
    "invalid arguments: arguments.city: required; arguments.days: must be ≤ 16",
  );
});
