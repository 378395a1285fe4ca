/**
 * Loaded before playwright-core. Node's `fs.existsSync` never throws, but Deno's throws
 * `NotCapable` for special files that need `--allow-all` (playwright probes
 * `/proc/sys/fs/binfmt_misc/WSLInterop` at load time). Here such a probe answers `false`,
 * as Node would for a file it may not read, so the tests keep their narrow permissions.
 * @module
 */
import fs from "node:fs";

const existsSync = fs.existsSync;
fs.existsSync = (path: fs.PathLike): boolean => {
  try {
    return existsSync(path);
  } catch {
    return false;
  }
};
