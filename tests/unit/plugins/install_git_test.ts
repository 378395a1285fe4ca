import assert from "node:assert/strict";
import {
  cloneUrl,
  compareSemverTags,
  GitError,
  highestSemverTag,
  parsePluginSpec,
  validateRef,
} from "../../../lib/plugins/git.ts";

Deno.test("parsePluginSpec accepts user/repo and user/repo@ref", () => {
  assert.deepEqual(parsePluginSpec("acme/weather"), { user: "acme", repo: "weather" });
  assert.deepEqual(parsePluginSpec("a-b/c.d_e@v1.2.3"), {
    user: "a-b",
    repo: "c.d_e",
    ref: "v1.2.3",
  });
  assert.deepEqual(parsePluginSpec("acme/w@feature/x-1"), {
    user: "acme",
    repo: "w",
    ref: "feature/x-1",
  });
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(parsePluginSpec(`acme/w@${sha}`).ref, sha);
});

Deno.test("parsePluginSpec refuses traversal and option injection", () => {
  const bad: [string, RegExp][] = [
    ["-oops/x", /invalid user "-oops"/],
    ["acme/-oops", /invalid repository "-oops"/],
    ["../x", /invalid user "\.\."/],
    ["acme/..", /invalid repository "\.\."/],
    ["acme/.hidden", /invalid repository/],
    ["acme/a..b", /invalid repository/],
    ["acme/x.git", /invalid repository/],
    ["acme", /expected user\/repo/],
    ["acme/x/y", /expected user\/repo/],
    ["", /expected user\/repo/],
    ["ac me/x", /invalid user/],
    ["acme/x@", /invalid ref ""/],
    ["a/b@--upload-pack=x", /invalid ref "--upload-pack=x": must not start with '-'/],
    ["a/b@-x", /must not start with '-'/],
    ["a/b@v1..v2", /must not contain '\.\.'/],
    ["a/b@../../etc", /must not contain '\.\.'/],
    ["a/b@has space", /no spaces/],
    ["a/b@tab\there", /no spaces or control/],
    ["a/b@x;rm -rf", /invalid ref/],
    ["a/b@HEAD@{1}", /invalid ref/],
    ["a/b@x.lock", /\.lock/],
    ["a/b@/abs", /empty path component/],
    ["a/b@a/.hidden", /must not start with '\.'/],
    ["acme/x@a@b", /invalid ref/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parsePluginSpec(spec), (e: unknown) => {
      assert.ok(e instanceof GitError, `${spec}: ${e}`);
      assert.match(e.message, re, spec);
      return true;
    });
  }
  assert.throws(() => validateRef("-"), /must not start with '-'/);
});

Deno.test("cloneUrl joins base, user and repo", () => {
  assert.equal(cloneUrl({ user: "acme", repo: "w" }), "https://github.com/acme/w");
  assert.equal(cloneUrl({ user: "acme", repo: "w" }, "file:///tmp/g/"), "file:///tmp/g/acme/w");
  assert.throws(() => cloneUrl({ user: "..", repo: "w" }), GitError);
});

Deno.test("cloneUrl refuses a base holding credentials (it is saved and shown); an ssh login is fine", () => {
  const spec = { user: "acme", repo: "w" };
  for (const base of ["https://ghp_token@github.com", "http://u:p@git.test", "ssh://git:pw@h"]) {
    assert.throws(
      () => cloneUrl(spec, base),
      (e: Error) =>
        e instanceof GitError && /must not hold credentials/.test(e.message) &&
        !/ghp_token|pw|u:p/.test(e.message),
      base,
    );
  }
  assert.equal(cloneUrl(spec, "ssh://git@github.com"), "ssh://git@github.com/acme/w");
  assert.equal(cloneUrl(spec, "https://git.test/a@b"), "https://git.test/a@b/acme/w");
});

Deno.test("semver tag ordering: numeric, prerelease below release, non-semver ignored", () => {
  const tags = ["v1.2.0", "1.10.0", "v1.9.9", "nightly", "v2.0.0-rc.1", "v2.0.0-rc.10", "release"];
  assert.equal(highestSemverTag(tags), "v2.0.0-rc.10");
  assert.equal(highestSemverTag([...tags, "v2.0.0"]), "v2.0.0");
  assert.equal(highestSemverTag(["1.10.0", "v1.9.0"]), "1.10.0");
  assert.equal(highestSemverTag(["latest", "v1", "1.2"]), undefined);
  assert.ok(compareSemverTags("v1.0.0-alpha", "v1.0.0-alpha.1") < 0);
  assert.ok(compareSemverTags("v1.0.0-alpha.beta", "v1.0.0-beta") < 0);
  assert.ok(compareSemverTags("v1.0.0-2", "v1.0.0-alpha") < 0);
  assert.ok(compareSemverTags("v1.0.0-rc.1", "v1.0.0") < 0);
  assert.ok(compareSemverTags("v1.0.0+build.5", "v1.0.1") < 0);
  assert.ok(compareSemverTags("1.2.3", "v1.2.3") < 0, "a tie between spellings is broken by name");
  assert.equal(highestSemverTag(["v1.0.0-01", " v1.0.0", "v1.0", "1.0.0.0"]), undefined);
});
