// `deno task dev` as a developer runs it, on a temporary copy of the project (so the routes
// it adds and the fresh.gen.ts it writes never touch the checkout): it writes the manifest,
// serves, and on a new route file regenerates the manifest and restarts serving it.
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
/** What the dev server needs of the project; node_modules is linked, not copied. */
const PROJECT = [
  "deno.json",
  "deno.lock",
  "dev.ts",
  "main.ts",
  "fresh.gen.ts",
  "routes",
  "islands",
  "components",
  "lib",
  "static",
];

/** A copy of the project in a temp dir, with its own data and plugins dirs. */
async function projectCopy(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-dev-" });
  for (const name of PROJECT) await cp(join(ROOT, name), join(dir, name), { recursive: true });
  await Deno.symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { dir, remove: () => Deno.remove(dir, { recursive: true }) };
}

/** A child's output as it comes: `next(pattern)` waits for the next match after the last one. */
function lines(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let from = 0;
  return {
    get text() {
      return text;
    },
    async next(pattern: RegExp): Promise<RegExpExecArray> {
      while (true) {
        const re = new RegExp(pattern.source, pattern.flags.replace("g", "") + "g");
        re.lastIndex = from;
        const match = re.exec(text);
        if (match) {
          from = re.lastIndex;
          return match;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`output ended before ${pattern}:\n${text}`);
        text += value;
      }
    },
    /** Reads the rest, until the stream ends. */
    async drain() {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
      }
    },
  };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

Deno.test("dev: writes fresh.gen.ts, serves, and picks up a new route with a restart", async () => {
  const project = await projectCopy();
  const data = await Deno.makeTempDir({ prefix: "rungpt-dev-data-" });
  const manifest = join(project.dir, "fresh.gen.ts");
  const committed = await Deno.readTextFile(manifest);
  // Without a manifest, dev writes one before the server starts: the committed one, exactly.
  await Deno.remove(manifest);
  const child = new Deno.Command("deno", {
    args: ["task", "dev", "--port", "0"],
    cwd: project.dir,
    env: {
      RUNGPT_DATA_DIR: data,
      RUNGPT_PLUGINS_DIR: join(data, "plugins_store"),
      RUNGPT_API_TOKEN: "rgt_dev-test-token-0123456789",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = lines(child.stdout);
  const err = lines(child.stderr);
  const stderrDone = err.drain();
  try {
    const [, first] = await out.next(/running at (http:\/\/\S+)/);
    assert.equal(await Deno.readTextFile(manifest), committed, "the manifest is up to date");
    const page = await get(first);
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/);
    assert.equal((await get(`${first}dev-hello`)).status, 404);

    await Deno.writeTextFile(
      join(project.dir, "routes", "dev-hello.ts"),
      'export const handler = () => new Response("hello from a new route");\n',
    );
    const [, second] = await out.next(/running at (http:\/\/\S+)/);
    const regenerated = await Deno.readTextFile(manifest);
    assert.match(regenerated, /"\.\/routes\/dev-hello\.ts": \$\d+/);
    const hello = await get(`${second}dev-hello`);
    assert.deepEqual(hello, { status: 200, text: "hello from a new route" });
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await out.drain().catch(() => {});
    await stderrDone;
    await project.remove();
    await Deno.remove(data, { recursive: true });
  }
  assert.match(err.text, /change detected; restarting/);
});
