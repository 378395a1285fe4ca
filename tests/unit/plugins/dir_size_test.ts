/** Measuring a folder while something writes into it (how an install bounds its download). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dirSize, watchDirSize } from "../../../lib/plugins/dir_size.ts";

Deno.test("dirSize counts files in nested folders; a missing folder is empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-size-" });
  try {
    assert.equal(await dirSize(join(dir, "not-yet")), 0);
    await Deno.mkdir(join(dir, "a", "b"), { recursive: true });
    await Deno.writeFile(join(dir, "one"), new Uint8Array(100));
    await Deno.writeFile(join(dir, "a", "b", "two"), new Uint8Array(250));
    assert.equal(await dirSize(dir), 350);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchDirSize reports once when a writer passes the limit, not before", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-size-" });
  const over = Promise.withResolvers<number>();
  const reports: number[] = [];
  const watch = watchDirSize(join(dir, "clone"), 1000, (bytes) => {
    reports.push(bytes);
    over.resolve(bytes);
  });
  try {
    await Deno.mkdir(join(dir, "clone", "objects"), { recursive: true });
    await Deno.writeFile(join(dir, "clone", "objects", "pack"), new Uint8Array(1000));
    assert.deepEqual(reports, []);
    await Deno.writeFile(join(dir, "clone", "objects", "more"), new Uint8Array(500));
    assert.equal(await over.promise, 1500);
    await Deno.writeFile(join(dir, "clone", "objects", "again"), new Uint8Array(500));
  } finally {
    await watch.stop();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(reports, [1500]);
});
