/**
 * The plugin limits a user sets through the environment.
 * @module
 */
import type { Env } from "../store/paths.ts";
import type { PluginLimits } from "./registry.ts";

/**
 * Plugin limits from the environment: `RUNGPT_ACTION_TIMEOUT_MS` sets the time limit of one
 * action call (a positive integer; anything else keeps the default).
 *
 * @example
 * ```ts
 * actionLimits({ RUNGPT_ACTION_TIMEOUT_MS: "5000" }); // { timeoutMs: 5000 }
 * ```
 */
export function actionLimits(env: Env): Partial<PluginLimits> {
  const timeoutMs = Number(env.RUNGPT_ACTION_TIMEOUT_MS?.trim() || NaN);
  return Number.isSafeInteger(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {};
}
