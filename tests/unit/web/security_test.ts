import assert from "node:assert/strict";
import { hostAllowList, hostName, isLoopbackHost } from "../../../lib/web/security.ts";
import { safeNext } from "../../../lib/web/auth.ts";
import { logPath } from "../../../lib/web/http.ts";

Deno.test("hostName takes the name out of a Host header", () => {
  assert.equal(hostName("LocalHost:8000"), "localhost");
  assert.equal(hostName("127.0.0.1"), "127.0.0.1");
  assert.equal(hostName("[::1]:8000"), "[::1]");
  assert.equal(hostName("evil.example:80"), "evil.example");
  assert.equal(hostName(" localhost:8000 "), "localhost");
});

Deno.test("hostName refuses anything but exactly one host[:port]", () => {
  for (
    const bad of [
      "localhost:12080, evil.com",
      "localhost:12080,evil.com",
      "localhost evil.com",
      "localhost:12080/x",
      "user@localhost",
      "localhost:99999",
      "localhost:1:2",
      "localhost:",
      "[::1",
      "[::1]x",
      "",
      ",",
    ]
  ) {
    assert.equal(hostName(bad), null, JSON.stringify(bad));
  }
});

Deno.test("logPath never throws and never logs the query", () => {
  assert.equal(logPath({ url: "http://localhost:8000/c/1?token=secret" }), "/c/1");
  const odd = logPath({ url: "http://localhost:12080, evil.com/x?token=secret" });
  assert.match(odd, /unparsable URL/);
  assert.ok(!odd.includes("secret"), odd);
});

Deno.test("a loopback bind accepts loopback names only", () => {
  const allowed = hostAllowList("127.0.0.1");
  for (const ok of ["localhost", "127.0.0.1", "[::1]"]) assert.ok(allowed(ok), ok);
  for (const bad of ["evil.example", "localhost.evil.example", "192.168.1.5", ""]) {
    assert.ok(!allowed(bad), bad);
  }
});

Deno.test("a named bind and extra names are accepted; a wildcard bind accepts IP literals", () => {
  assert.ok(hostAllowList("myhost.lan")("myhost.lan"));
  assert.ok(hostAllowList("127.0.0.1", ["chat.example"])("chat.example"));
  const wildcard = hostAllowList("0.0.0.0");
  assert.ok(wildcard("192.168.1.5"));
  assert.ok(wildcard("[fe80::1]"));
  assert.ok(!wildcard("rebind.evil.example"));
});

Deno.test("isLoopbackHost", () => {
  assert.ok(isLoopbackHost("127.0.0.1"));
  assert.ok(isLoopbackHost("127.1.2.3"));
  assert.ok(isLoopbackHost("::1"));
  assert.ok(isLoopbackHost("localhost"));
  assert.ok(!isLoopbackHost("0.0.0.0"));
  assert.ok(!isLoopbackHost("192.168.0.1"));
});

Deno.test("safeNext keeps local paths, normalized", () => {
  const cases: Array<[string, string]> = [
    ["/", "/"],
    ["/c/1", "/c/1"],
    ["/settings?tab=keys#top", "/settings?tab=keys#top"],
    ["/c/../settings", "/settings"],
    ["/c/%2F%2Fevil.example", "/c/%2F%2Fevil.example"],
    // Encoded slashes stay in one path segment: a browser does not decode them into `//`.
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    // Non-ASCII is percent-encoded, so the Location header is always plain ASCII.
    // An encoded tab stays encoded: browsers strip only raw ones.
    ["/%09/evil.example", "/%09/evil.example"],
    ["/c/é", "/c/%C3%A9"],
    ["/\uFF0F\uFF0Fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"],
  ];
  for (const [input, want] of cases) assert.equal(safeNext(input), want, JSON.stringify(input));
});

Deno.test("safeNext sends everything that could leave the site to /", () => {
  const attacks = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/..//evil.example",
    "/a/../..//evil.example",
    "/.//evil.example",
    "\uFF0F\uFF0Fevil.example",
    "evil.example",
    " /c/1",
    "",
  ];
  for (const next of attacks) assert.equal(safeNext(next), "/", JSON.stringify(next));
  assert.equal(safeNext(null), "/");
});
