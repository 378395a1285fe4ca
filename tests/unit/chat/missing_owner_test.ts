import assert from "node:assert/strict";
import { missingOwnerNotice } from "../../../lib/chat/loop.ts";
import { missingOwner } from "../../../lib/tools/dispatch.ts";
import type { Tool } from "../../../lib/tools/tool.ts";

const ECHO: Tool = {
  owner: "probe",
  spec: { name: "echo", description: "", parameters: { type: "object" }, confirm: false },
  access: { apis: [], hosts: [], paths: [] },
  source: "plugin",
};

Deno.test("missingOwner names the owner only when no tool of it is in the turn", () => {
  assert.equal(missingOwner("weather.forecast", [ECHO]), "weather");
  assert.equal(missingOwner("probe.nope", [ECHO]), null, "a typo of a present owner");
  assert.equal(missingOwner("search", [ECHO]), null, "not an action id");
  assert.equal(missingOwner("weather.forecast", []), "weather");
});

Deno.test("missingOwnerNotice names each missing plugin, in the plural for several", () => {
  assert.equal(
    missingOwnerNotice(["weather"]),
    'No plugin named "weather" is installed, so its actions were not run. Install or turn it on in [Plugins](/plugins).',
  );
  assert.equal(
    missingOwnerNotice(["weather", "maps"]),
    'No plugins named "weather" or "maps" are installed, so their actions were not run. Install or turn them on in [Plugins](/plugins).',
  );
});
