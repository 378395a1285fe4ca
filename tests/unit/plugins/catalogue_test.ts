/** Catalogue files: a broken one is one line naming the file and what is wrong; others still load. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BUNDLED_CATALOGUE, loadCatalogue } from "../../../lib/plugins/catalogue.ts";

Deno.test("catalogue: a broken file is reported by name, and the others still load", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-catalogue-" });
  try {
    const badField = join(dir, "field.yaml");
    await Deno.writeTextFile(
      badField,
      "plugins:\n  - name: Bad Name\n    source: acme/x\n    description: x\n",
    );
    const extra = join(dir, "extra.yaml");
    await Deno.writeTextFile(
      extra,
      "plugins:\n  - { name: x, source: acme/x, description: d, colour: red }\n",
    );
    const notYaml = join(dir, "broken.yaml");
    await Deno.writeTextFile(notYaml, "plugins: [\n");
    const { entries, problems } = await loadCatalogue([
      BUNDLED_CATALOGUE,
      badField,
      extra,
      notYaml,
      join(dir, "missing.yaml"),
    ]);
    assert.deepEqual(entries.map((e) => e.name).sort(), [
      "checksum",
      "currency",
      "text-transform",
      "weather",
    ]);
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0], /field\.yaml: plugins\.0\.name: must be a plugin name/);
    assert.match(problems[1], /extra\.yaml: .*colour/);
    assert.match(problems[2], /broken\.yaml: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
