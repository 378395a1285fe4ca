import assert from "node:assert/strict";
import { generateManifest } from "../../../lib/web/gen.ts";

const ROOT = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("fresh.gen.ts lists every route and island (run `deno task gen` after adding one)", async () => {
  const committed = await Deno.readTextFile(`${ROOT}/fresh.gen.ts`);
  assert.equal(committed, await generateManifest(ROOT));
});
