/**
 * Finds and launches the headless Chromium the browser tests drive (through
 * playwright-core, which never downloads a browser of its own).
 * @module
 */
// Before playwright-core, which probes a file Deno only lets -A read (see the shim).
import "./node_fs_shim.ts";
import { type Browser, chromium } from "./playwright.ts";
import { findChromium } from "./chromium_path.ts";

export { findChromium };

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
