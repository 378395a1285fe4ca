import assert from "node:assert/strict";
import { join } from "node:path";
import { etagOf, type IslandBuild } from "../../../lib/web/bundle.ts";
import { bundleKey, type BundleSources, cachedBuild } from "../../../lib/web/bundle_cache.ts";

/** A project folder with a few sources, and a build function that counts its calls. */
async function project() {
  const root = await Deno.makeTempDir({ prefix: "rungpt-bundle-cache-" });
  await Deno.mkdir(join(root, "islands"));
  await Deno.mkdir(join(root, "lib", "ui"), { recursive: true });
  await Deno.writeTextFile(join(root, "islands", "App.tsx"), "export default () => null;");
  await Deno.writeTextFile(join(root, "lib", "ui", "format.ts"), "export const x = 1;");
  await Deno.writeTextFile(join(root, "lib", "notes.md"), "not a source");
  await Deno.writeTextFile(join(root, "deno.lock"), '{"version":"5"}');
  const sources: BundleSources = {
    root,
    dirs: ["islands", "lib"],
    files: ["deno.lock"],
    entries: [join(root, "islands", "App.tsx")],
  };
  let builds = 0;
  const build = async (): Promise<IslandBuild> => {
    builds++;
    const files = new Map();
    for (const [name, text] of [["islands/App.js", `app ${builds}`], ["chunk-A.js", "chunk"]]) {
      const contents = new TextEncoder().encode(text);
      files.set(name, { contents, contentType: "text/javascript", etag: await etagOf(contents) });
    }
    return { files };
  };
  const cacheDir = join(root, "cache");
  return {
    root,
    sources,
    cacheDir,
    build,
    builds: () => builds,
    get: () => cachedBuild({ dir: cacheDir, sources, options: { minify: true } }, build),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

const text = (build: IslandBuild, name: string) =>
  new TextDecoder().decode(build.files.get(name)!.contents);

Deno.test("bundle cache: a second start gets the stored build without building", async () => {
  await using p = await project();
  const first = await p.get();
  assert.equal(p.builds(), 1);
  const second = await p.get();
  assert.equal(p.builds(), 1);
  assert.deepEqual([...second.files.keys()].sort(), [...first.files.keys()].sort());
  for (const [name, file] of first.files) assert.deepEqual(second.files.get(name), file);
});

Deno.test("bundle cache: a changed, added or removed source, lockfile or option is a new key", async () => {
  await using p = await project();
  const key = () => bundleKey(p.sources, { minify: true });
  const base = await key();
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(await key(), base);

  await Deno.writeTextFile(join(p.root, "lib", "notes.md"), "still not a source");
  assert.equal(await key(), base, "files that are not sources do not count");

  const edits: [string, () => Promise<void>, () => Promise<void>][] = [
    [
      "an edited source",
      () => Deno.writeTextFile(join(p.root, "lib", "ui", "format.ts"), "export const x = 2;"),
      () => Deno.writeTextFile(join(p.root, "lib", "ui", "format.ts"), "export const x = 1;"),
    ],
    [
      "a new source",
      () => Deno.writeTextFile(join(p.root, "islands", "Other.tsx"), ""),
      () => Deno.remove(join(p.root, "islands", "Other.tsx")),
    ],
    [
      "a renamed source",
      () => Deno.rename(join(p.root, "lib", "ui", "format.ts"), join(p.root, "lib", "ui", "f.ts")),
      () => Deno.rename(join(p.root, "lib", "ui", "f.ts"), join(p.root, "lib", "ui", "format.ts")),
    ],
    [
      "a changed lockfile",
      () => Deno.writeTextFile(join(p.root, "deno.lock"), '{"version":"5","npm":{}}'),
      () => Deno.writeTextFile(join(p.root, "deno.lock"), '{"version":"5"}'),
    ],
  ];
  for (const [what, change, undo] of edits) {
    await change();
    assert.notEqual(await key(), base, what);
    await undo();
    assert.equal(await key(), base, `${what}, undone`);
  }
  assert.notEqual(await bundleKey(p.sources, { minify: false }), base, "another option");

  // Through cachedBuild: an edit builds again, and only the newest entry is kept.
  await p.get();
  await Deno.writeTextFile(join(p.root, "islands", "App.tsx"), "export default () => 1;");
  const rebuilt = await p.get();
  assert.equal(p.builds(), 2);
  assert.equal(text(rebuilt, "islands/App.js"), "app 2");
  const entries = await Array.fromAsync(Deno.readDir(join(p.cacheDir, "islands")));
  assert.deepEqual(entries.map((e) => e.name), [await key()]);
});

Deno.test("bundle cache: a damaged or partial entry is rebuilt, never served", async () => {
  await using p = await project();
  await p.get();
  const entry = join(p.cacheDir, "islands", await bundleKey(p.sources, { minify: true }));
  const blob = join(entry, "files.bin");
  const bytes = await Deno.readFile(blob);

  bytes[0] ^= 0xff; // one flipped byte
  await Deno.writeFile(blob, bytes);
  assert.equal(text(await p.get(), "islands/App.js"), "app 2");
  assert.equal(p.builds(), 2);

  await Deno.writeFile(blob, (await Deno.readFile(blob)).slice(0, 3)); // cut short
  assert.equal(text(await p.get(), "islands/App.js"), "app 3");

  await Deno.writeTextFile(join(entry, "index.json"), "{not json"); // a broken index
  assert.equal(text(await p.get(), "islands/App.js"), "app 4");

  await Deno.remove(join(entry, "index.json")); // an interrupted write
  assert.equal(text(await p.get(), "islands/App.js"), "app 5");
  assert.equal(p.builds(), 5);
  assert.equal(text(await p.get(), "islands/App.js"), "app 5", "the rebuilt entry is used");
});

Deno.test("bundle cache: a cache folder that cannot be written still serves the build", async () => {
  await using p = await project();
  await Deno.writeTextFile(p.cacheDir, "a file where the folder should be");
  const build = await p.get();
  assert.equal(text(build, "islands/App.js"), "app 1");
  await p.get();
  assert.equal(p.builds(), 2);
});
