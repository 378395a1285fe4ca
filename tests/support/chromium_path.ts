/**
 * Where the Chromium for the browser tests is: `CHROME_PATH`, else the first one installed.
 * Kept apart from the launcher so that scripts/ensure_browser.ts loads no browser driver.
 * @module
 */

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary to use, or `null` when there is none. */
export async function findChromium(): Promise<string | null> {
  const fromEnv = Deno.env.get("CHROME_PATH");
  for (const path of fromEnv ? [fromEnv] : CANDIDATES) {
    if (await Deno.stat(path).then((s) => s.isFile, () => false)) return path;
  }
  return null;
}
