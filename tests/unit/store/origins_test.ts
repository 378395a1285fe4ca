// Which browser origins may be allowed to call /v1: exact origins only, never "*".
import assert from "node:assert/strict";
import { parseOrigin, parseOriginList } from "../../../lib/store/origins.ts";
import { corsOrigins, envCorsOrigins, SettingsError } from "../../../lib/store/settings.ts";

Deno.test("parseOrigin: a bare scheme://host[:port], normalised", () => {
  assert.deepEqual(parseOrigin("https://App.Example.com"), { origin: "https://app.example.com" });
  assert.deepEqual(parseOrigin(" http://localhost:5173/ "), { origin: "http://localhost:5173" });
  assert.deepEqual(parseOrigin("https://a.example:443"), { origin: "https://a.example" });
});

Deno.test("parseOrigin: '*', paths, other schemes and user names are refused, saying why", () => {
  const refused: Array<[string, RegExp]> = [
    ["*", /"\*" is not accepted: list each origin/],
    ["https://a.example/app", /without a path/],
    ["https://a.example?x=1", /without a path, query/],
    ["https://user@a.example", /user name/],
    ["ftp://a.example", /must start with http:\/\/ or https:\/\//],
    ["a.example", /write it as scheme:\/\/host\[:port\]/],
    ["null", /is not an origin/],
  ];
  for (const [text, why] of refused) {
    const parsed = parseOrigin(text);
    assert.ok("error" in parsed, text);
    assert.match(parsed.error, why, text);
  }
});

Deno.test("RUNGPT_CORS_ORIGINS: a comma-separated list; a bad entry is a SettingsError naming it", () => {
  assert.deepEqual(parseOriginList("https://a.example, ,http://localhost:5173,https://a.example"), [
    "https://a.example",
    "http://localhost:5173",
  ]);
  assert.deepEqual(envCorsOrigins({}), []);
  assert.throws(
    () => envCorsOrigins({ RUNGPT_CORS_ORIGINS: "https://a.example,*" }),
    (e) =>
      e instanceof SettingsError && /^RUNGPT_CORS_ORIGINS: "\*" is not accepted/.test(e.message),
  );
  assert.deepEqual(
    corsOrigins({ corsOrigins: ["https://b.example"] }, {
      RUNGPT_CORS_ORIGINS: "https://a.example",
    }),
    ["https://a.example", "https://b.example"],
  );
});
