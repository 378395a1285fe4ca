/**
 * Finds and launches the headless Chromium the browser tests drive (through
 * playwright-core, which never downloads a browser of its own).
 * @module
 */
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary to use: `CHROME_PATH`, else the first one installed. */
export async function findChromium(): Promise<string | null> {
  const fromEnv = Deno.env.get("CHROME_PATH");
  for (const path of fromEnv ? [fromEnv] : CANDIDATES) {
    if (await Deno.stat(path).then((s) => s.isFile, () => false)) return path;
  }
  return null;
}

/** Launches headless Chromium with no network side traffic and no sandbox (tests run as root). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await findChromium();
  if (!executablePath) {
    throw new Error("No Chromium found: run `deno run -A scripts/ensure_browser.ts`.");
  }
  return await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
