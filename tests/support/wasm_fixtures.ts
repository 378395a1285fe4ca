/**
 * Test plugins compiled from AssemblyScript on demand (tests/fixtures/wasm/<name>/index.ts),
 * cached by source hash in tests/fixtures/wasm/build/ (git-ignored).
 *
 * @example
 * ```ts
 * const wasm = await buildFixture("echo");
 * const manifest = await fixtureManifest("echo");
 * ```
 * @module
 */
import asc from "npm:assemblyscript@^0.28/asc";
import { join } from "node:path";
import { type Manifest, parseManifest } from "../../lib/plugins/manifest.ts";

/** Directory holding the fixture sources. */
export const FIXTURES_DIR = join(import.meta.dirname!, "..", "fixtures", "wasm");
const BUILD_DIR = join(FIXTURES_DIR, "build");
// Every fixture may use these: its own raw host API wrappers, and the SDK's Extism layer.
const SHARED = [
  "lib/rungpt.ts",
  "../../../sdk/assemblyscript/assembly/extism.ts",
  "../../../sdk/assemblyscript/assembly/errors.ts",
];

const inflight = new Map<string, Promise<Uint8Array>>();

/** Names of all fixtures (directories with an index.ts). */
export async function fixtureNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(FIXTURES_DIR)) {
    if (!e.isDirectory || e.name === "lib" || e.name === "build") continue;
    try {
      await Deno.stat(join(FIXTURES_DIR, e.name, "index.ts"));
      names.push(e.name);
    } catch { /* not a fixture */ }
  }
  return names.sort();
}

async function sourceHash(name: string): Promise<string> {
  const parts = [asc.version];
  for (const f of [`${name}/index.ts`, ...SHARED]) {
    parts.push(f, await Deno.readTextFile(join(FIXTURES_DIR, f)));
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return Array.from(new Uint8Array(digest).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function compile(name: string): Promise<Uint8Array> {
  const hash = await sourceHash(name);
  const out = join(BUILD_DIR, `${name}-${hash}.wasm`);
  try {
    return await Deno.readFile(out);
  } catch { /* not built yet */ }
  let stderr = "";
  let binary: Uint8Array | null = null;
  const { error } = await asc.main(
    [
      `${name}/index.ts`,
      "--baseDir",
      FIXTURES_DIR,
      "--outFile",
      "plugin.wasm",
      "--optimize",
      "--runtime",
      "incremental",
      "--use",
      "abort=../../../sdk/assemblyscript/assembly/extism/rungptAbort",
    ],
    {
      writeFile(file: string, contents: Uint8Array | string) {
        if (file.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      stderr: { write: (s: string | Uint8Array) => void (stderr += String(s)) },
      stdout: { write: () => {} },
    } as Parameters<typeof asc.main>[1],
  );
  if (error || !binary) {
    throw new Error(`building fixture ${name} failed: ${error?.message}\n${stderr}`);
  }
  await Deno.mkdir(BUILD_DIR, { recursive: true });
  // Write then rename: test files build in parallel.
  const tmp = `${out}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, binary);
  await Deno.rename(tmp, out);
  return binary;
}

/** Compiles fixture `name` (or returns the cached build) and returns the wasm bytes. */
export function buildFixture(name: string): Promise<Uint8Array> {
  let p = inflight.get(name);
  if (!p) {
    p = compile(name);
    inflight.set(name, p);
    p.catch(() => inflight.delete(name));
  }
  return p;
}

/** Parses the fixture's rungpt.yaml. */
export async function fixtureManifest(name: string): Promise<Manifest> {
  const file = join(FIXTURES_DIR, name, "rungpt.yaml");
  return parseManifest(await Deno.readTextFile(file), file);
}
