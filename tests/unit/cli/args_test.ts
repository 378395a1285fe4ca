import assert from "node:assert/strict";
import { parseCommandArgs } from "../../../lib/cli/args.ts";
import { RefusedError, UsageError, UserError } from "../../../lib/errors.ts";
import { DataDirError } from "../../../lib/store/paths.ts";
import { StoreError } from "../../../lib/store/errors.ts";

const options = {
  yes: { type: "boolean", short: "y" },
  ref: { type: "string" },
  env: { type: "string", multiple: true },
} as const;

Deno.test("parseCommandArgs: flags, values, repeats, -- and positionals", () => {
  const r = parseCommandArgs(
    ["acme/w", "-y", "--ref=v1", "--env", "A=1", "--env", "B=2", "--", "--not-a-flag"],
    options,
  );
  assert.deepEqual(r.positionals, ["acme/w", "--not-a-flag"]);
  assert.deepEqual({ ...r.values }, { yes: true, ref: "v1", env: ["A=1", "B=2"] });
});

Deno.test("parseCommandArgs: a bad argument is a UsageError naming it, in one sentence", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--bogus"], /^Unknown option '--bogus'$/],
    [["--ref"], /^Option '--ref <value>' argument missing$/],
    [["-x"], /^Unknown option '-x'$/],
    [["--yes=1"], /--yes/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseCommandArgs(args, options),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("user-facing errors share one base and say what they are about", () => {
  assert.equal(new UsageError("x").kind, "usage");
  assert.equal(new RefusedError("x").kind, "refused");
  assert.equal(new UserError("x").kind, "setup");
  assert.equal(new UserError("x", { kind: "data" }).kind, "data");
  const dataDir = new DataDirError("set HOME");
  assert.ok(dataDir instanceof UserError);
  assert.equal(dataDir.name, "DataDirError");
  const store = new StoreError("not_found", "no such conversation");
  assert.ok(store instanceof UserError);
  assert.equal(store.kind, "data");
});
