// Small assertion helpers for the llm tests (JSR's @std/assert is not reachable here).
import nodeAssert from "node:assert/strict";

/** Fails unless `cond` is truthy. */
export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}

/** Deep, strict equality. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Fails unless `value` is an instance of `type`; narrows its type. */
export function assertInstanceOf<T>(
  value: unknown,
  // deno-lint-ignore no-explicit-any
  type: abstract new (...args: any[]) => T,
): asserts value is T {
  nodeAssert.ok(value instanceof type, `expected ${type.name}, got ${String(value)}`);
}

/** Fails unless `text` matches `re`. */
export function assertMatch(text: string, re: RegExp): void {
  nodeAssert.match(text, re);
}

/** Fails unless `text` does not contain `part`. */
export function assertNotIncludes(text: string, part: string): void {
  nodeAssert.ok(!text.includes(part), `${JSON.stringify(text)} must not contain ${part}`);
}

/** Runs `fn`, fails unless it throws, and returns what it threw. */
// deno-lint-ignore no-explicit-any
export async function assertRejects(fn: () => unknown): Promise<any> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the function to throw");
}
