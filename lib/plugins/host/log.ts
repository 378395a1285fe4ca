/**
 * `rungpt:log`: a plugin's log lines, into the server log and the plugin's ring buffer.
 *
 * Function: `write {level: "trace"|"debug"|"info"|"warn"|"error", message}` → `null`.
 * Every line a plugin logs (this API or Extism's `log_*`) goes through {@linkcode PluginLog}:
 * its secret settings' values taken out, cut at 4096 characters, control characters escaped (a line break cannot forge a server log
 * line, an escape sequence cannot drive the terminal), and rate-limited per plugin
 * ({@linkcode LogLimiter}); what was dropped is counted and reported once lines pass again.
 * @module
 */
import { escapeControls } from "../../text/escape_controls.ts";
import {
  type ApiDefinition,
  type LogEntry,
  type LogLevel,
  parseRequest,
  requireString,
} from "../registry.ts";

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];
const MAX_MESSAGE = 4096;
/** What a dropped-lines note counts against the byte budget. */
const NOTE_BYTES = 100;

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

/** How much a plugin may log: a burst, then a steady rate, in lines and in bytes. */
export interface LogBudget {
  burstLines: number;
  linesPerSecond: number;
  burstBytes: number;
  bytesPerSecond: number;
}

/**
 * 100 lines at once, then 20 a second; 64 KiB at once, then 16 KiB a second (so 4 KB lines
 * pass at 4 a second).
 */
export const DEFAULT_LOG_BUDGET: Readonly<LogBudget> = {
  burstLines: 100,
  linesPerSecond: 20,
  burstBytes: 64 * 1024,
  bytesPerSecond: 16 * 1024,
};

/**
 * A token bucket for one plugin's log: lines and bytes refill at the budget's rates up to its
 * bursts; a line passes when both have room, else it is counted as dropped.
 *
 * @example
 * ```ts
 * const limiter = new LogLimiter();
 * if (limiter.admit(120)) console.error("the line");
 * ```
 */
export class LogLimiter {
  readonly #budget: Readonly<LogBudget>;
  readonly #now: () => number;
  #lines: number;
  #bytes: number;
  #refilledAt: number;
  #dropped = 0;

  /** `now` gives milliseconds (default `performance.now`); tests pass their own clock. */
  constructor(budget: Readonly<LogBudget> = DEFAULT_LOG_BUDGET, now = () => performance.now()) {
    this.#budget = budget;
    this.#now = now;
    this.#lines = budget.burstLines;
    this.#bytes = budget.burstBytes;
    this.#refilledAt = now();
  }

  /** Whether a line of `bytes` may be logged now; takes its share of the budget if so. */
  admit(bytes: number): boolean {
    this.#refill();
    if (this.#lines < 1 || this.#bytes < bytes) return false;
    this.#lines -= 1;
    this.#bytes -= bytes;
    return true;
  }

  /** Counts a line that was not admitted. */
  drop(): void {
    this.#dropped++;
  }

  /** The lines dropped and not yet reported. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The lines dropped since the last call; starts counting afresh. */
  takeDropped(): number {
    const n = this.#dropped;
    this.#dropped = 0;
    return n;
  }

  #refill(): void {
    const now = this.#now();
    const seconds = Math.max(0, now - this.#refilledAt) / 1000;
    this.#refilledAt = now;
    const b = this.#budget;
    this.#lines = Math.min(b.burstLines, this.#lines + seconds * b.linesPerSecond);
    this.#bytes = Math.min(b.burstBytes, this.#bytes + seconds * b.bytesPerSecond);
  }
}

/** What {@linkcode PluginLog} needs. */
export interface PluginLogOptions {
  /** Shared by every instance of the plugin, so more instances do not log more. */
  limiter?: LogLimiter;
  /** The ring the plugin's page reads; a new one by default. */
  ring?: LogRing;
  /** Receives every line that passes (and the dropped-lines notes). */
  onLog?: (entry: LogEntry) => void;
  /**
   * The plugin's secret settings (name → value): a line quoting one shows `[secret <name>]`
   * instead. Values shorter than {@linkcode MIN_REDACTED} characters are left alone.
   */
  secrets?: Readonly<Record<string, string>>;
}

/** Shortest secret value taken out of log lines (shorter ones would garble ordinary text). */
export const MIN_REDACTED = 4;

/**
 * The one way a plugin's log line reaches anyone: secrets taken out, cut, escaped, rate-limited,
 * then kept in the ring and handed to `onLog`.
 *
 * @example
 * ```ts
 * const log = new PluginLog("demo", { onLog: (e) => console.error(e.message) });
 * log.write("info", "hi\x1b[2J"); // shows "hi\\x1b[2J"
 * ```
 */
export class PluginLog {
  /** The most recent lines. */
  readonly ring: LogRing;
  readonly #plugin: string;
  readonly #limiter: LogLimiter;
  readonly #onLog?: (entry: LogEntry) => void;
  readonly #secrets: [name: string, value: string][];
  readonly #encoder = new TextEncoder();

  constructor(plugin: string, opts: PluginLogOptions = {}) {
    this.#plugin = plugin;
    this.#secrets = Object.entries(opts.secrets ?? {}).filter(([, v]) => v.length >= MIN_REDACTED)
      // Longest first, so a secret containing another is taken out whole.
      .sort(([, a], [, b]) => b.length - a.length);
    this.#limiter = opts.limiter ?? new LogLimiter();
    this.ring = opts.ring ?? createLogRing();
    this.#onLog = opts.onLog;
  }

  /** Logs one line of the plugin's, or counts it as dropped when over the budget. */
  write(level: LogLevel, message: string): void {
    const text = escapeControls(clampMessage(this.#redact(message)));
    if (!this.#limiter.admit(this.#encoder.encode(text).length)) {
      this.#limiter.drop();
      return;
    }
    this.#reportDropped();
    this.#emit(level, text);
  }

  /**
   * Reports the lines dropped so far, if any and if the rate allows a line now. The runtime
   * calls it after every call, so a flood is reported even when the plugin then stays quiet.
   */
  flush(): void {
    if (this.#limiter.dropped > 0 && this.#limiter.admit(NOTE_BYTES)) this.#reportDropped();
  }

  #reportDropped(): void {
    const dropped = this.#limiter.takeDropped();
    if (!dropped) return;
    this.#emit(
      "warn",
      `… ${dropped.toLocaleString("en-US")} line${dropped === 1 ? "" : "s"} dropped: ` +
        "the plugin logged faster than rungpt's log rate limit allows",
    );
  }

  #redact(message: string): string {
    let out = message;
    for (const [name, value] of this.#secrets) out = out.replaceAll(value, `[secret ${name}]`);
    return out;
  }

  #emit(level: LogLevel, message: string): void {
    const entry: LogEntry = { time: Date.now(), plugin: this.#plugin, level, message };
    pushLog(this.ring, entry);
    this.#onLog?.(entry);
  }
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
        ctx.plugin.log(level as LogLevel, message);
        return null;
      },
    },
  };
}
