/**
 * `rungpt:log`: a plugin's log lines, into the server log and the plugin's ring buffer.
 *
 * Function: `write {level: "trace"|"debug"|"info"|"warn"|"error", message}` → `null`.
 * Messages longer than 4096 characters are cut.
 * @module
 */
import {
  type ApiDefinition,
  type LogEntry,
  type LogLevel,
  parseRequest,
  requireString,
} from "../registry.ts";

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];
const MAX_MESSAGE = 4096;

/** A bounded buffer of a plugin's most recent log lines. */
export interface LogRing {
  readonly capacity: number;
  readonly entries: LogEntry[];
}

/** Creates an empty ring holding at most `capacity` lines. */
export function createLogRing(capacity = 200): LogRing {
  return { capacity, entries: [] };
}

/**
 * Appends a line, dropping the oldest when full.
 *
 * @example
 * ```ts
 * const ring = createLogRing(2);
 * pushLog(ring, { time: Date.now(), plugin: "demo", level: "info", message: "hi" });
 * ```
 */
export function pushLog(ring: LogRing, entry: LogEntry): void {
  ring.entries.push(entry);
  if (ring.entries.length > ring.capacity) {
    ring.entries.splice(0, ring.entries.length - ring.capacity);
  }
}

/** Cuts a message to the maximum length. */
export function clampMessage(message: string): string {
  return message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) + "…" : message;
}

/** The `rungpt:log` API definition. */
export function logApi(): ApiDefinition {
  return {
    specifier: "rungpt:log",
    description: "Log lines shown in the server log and on the plugin's page",
    functions: {
      write(ctx, input) {
        const req = parseRequest(input, "rungpt:log write");
        const level = req.level ?? "info";
        if (typeof level !== "string" || !LEVELS.includes(level as LogLevel)) {
          throw new Error(`rungpt:log write: "level" must be one of ${LEVELS.join(", ")}`);
        }
        const message = requireString(req, "message", "rungpt:log write");
        ctx.plugin.log(level as LogLevel, clampMessage(message));
        return null;
      },
    },
  };
}
