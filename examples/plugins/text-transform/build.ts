/**
 * Builds this plugin: compiles assembly/index.ts with AssemblyScript (options from
 * asconfig.json, target "release") into the `wasm` path of rungpt.yaml.
 *
 *     deno run --node-modules-dir=none --allow-read --allow-write --allow-env build.ts
 *
 * (`rungpt plugin build .` does the same; with npm: `npm install && npm run asbuild`.)
 * @module
 */
import asc from "npm:assemblyscript@^0.28/asc";

const root = new URL(".", import.meta.url).pathname;
const manifest = await Deno.readTextFile(`${root}rungpt.yaml`);
const wasm = /^wasm:\s*["']?([^"'\s#]+)/m.exec(manifest)?.[1];
if (!wasm) throw new Error("rungpt.yaml has no `wasm:` line");

/** Compiles the plugin and returns the module's bytes. */
export async function build(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let stderr = "";
  const { error } = await asc.main(
    [
      "assembly/index.ts",
      "--baseDir",
      root,
      "--config",
      "asconfig.json",
      "--target",
      "release",
      "--outFile",
      "plugin.wasm",
    ],
    {
      writeFile(file: string, contents: Uint8Array | string) {
        if (file.endsWith(".wasm") && typeof contents !== "string") {
          binary = contents;
        }
      },
      stderr: { write: (s: string | Uint8Array) => void (stderr += String(s)) },
      stdout: { write: () => {} },
    } as Parameters<typeof asc.main>[1],
  );
  if (error || !binary) {
    throw new Error(`build failed:\n${stderr || error?.message}`);
  }
  return binary;
}

if (import.meta.main) {
  const bytes = await build();
  await Deno.writeFile(`${root}${wasm}`, bytes);
  console.log(`${wasm}: ${bytes.length} bytes`);
}
