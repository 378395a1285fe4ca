/**
 * Makes sure a Chromium for the browser tests is there: `CHROME_PATH`, or Debian's
 * `chromium`; when neither exists and we are root on a Debian-like system, installs it with
 * apt-get; otherwise explains how to get one. Run before the tests by `deno task test`.
 * @module
 */
import { findChromium } from "../tests/support/chromium_path.ts";

if (!await findChromium()) {
  const isRoot = Deno.uid?.() === 0;
  const hasApt = await Deno.stat("/usr/bin/apt-get").then(() => true, () => false);
  if (isRoot && hasApt) {
    console.error("Installing Chromium for the browser tests (apt-get install chromium)…");
    const run = (args: string[]) =>
      new Deno.Command("apt-get", { args, stdout: "null", stderr: "inherit" }).output();
    await run(["update", "-qq"]);
    const { success } = await run(["install", "-y", "-qq", "chromium"]);
    if (!success || !await findChromium()) Deno.exit(1);
  } else {
    console.error(
      "The browser tests need Chromium. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set CHROME_PATH to a Chromium or Chrome binary.",
    );
    Deno.exit(1);
  }
}
