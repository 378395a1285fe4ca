import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { defaultDataDir, defaultPluginsDir, ensureDir } from "../../../lib/store/paths.ts";

Deno.test("defaultDataDir: RUNGPT_DATA_DIR wins on every OS", () => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    assert.equal(
      defaultDataDir({ RUNGPT_DATA_DIR: "/srv/data", HOME: "/home/a", APPDATA: "C:\\x" }, os),
      resolve("/srv/data"),
    );
  }
});

Deno.test("defaultDataDir: Linux uses XDG_DATA_HOME, else ~/.local/share", () => {
  assert.equal(
    defaultDataDir({ HOME: "/home/ada", XDG_DATA_HOME: "/xdg" }, "linux"),
    "/xdg/rungpt",
  );
  assert.equal(defaultDataDir({ HOME: "/home/ada" }, "linux"), "/home/ada/.local/share/rungpt");
  // Relative XDG paths are invalid per the spec and ignored.
  assert.equal(
    defaultDataDir({ HOME: "/home/ada", XDG_DATA_HOME: "rel" }, "linux"),
    "/home/ada/.local/share/rungpt",
  );
  assert.equal(
    defaultDataDir({ HOME: "/home/ada", RUNGPT_DATA_DIR: "" }, "linux"),
    "/home/ada/.local/share/rungpt",
    "an empty override is unset",
  );
});

Deno.test("defaultDataDir: macOS and Windows locations", () => {
  assert.equal(
    defaultDataDir({ HOME: "/Users/ada" }, "darwin"),
    "/Users/ada/Library/Application Support/rungpt",
  );
  assert.equal(
    defaultDataDir({ APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }, "windows"),
    "C:\\Users\\ada\\AppData\\Roaming\\rungpt",
  );
});

Deno.test("defaultDataDir: no home at all is a clear error", () => {
  assert.throws(() => defaultDataDir({}, "linux"), /set HOME.*RUNGPT_DATA_DIR/);
  assert.throws(() => defaultDataDir({}, "windows"), /APPDATA/);
});

Deno.test("defaultPluginsDir: env override, else plugins_store under cwd, absolute", () => {
  assert.equal(defaultPluginsDir({}, "/work/app"), "/work/app/plugins_store");
  assert.equal(defaultPluginsDir({ RUNGPT_PLUGINS_DIR: "/opt/p" }, "/work/app"), "/opt/p");
  assert.equal(defaultPluginsDir({ RUNGPT_PLUGINS_DIR: "rel/p" }, "/work/app"), "/work/app/rel/p");
});

Deno.test("ensureDir creates nested directories with mode 0700 and is idempotent", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "a", "b", "rungpt");
    await ensureDir(dir);
    const info = await Deno.stat(dir);
    assert.ok(info.isDirectory);
    if (Deno.build.os !== "windows") assert.equal(info.mode! & 0o777, 0o700);
    await ensureDir(dir);

    const file = join(root, "file");
    await Deno.writeTextFile(file, "x");
    await assert.rejects(() => ensureDir(file), /exists but is not a directory/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
