/**
 * An MCP stdio transport over a process rungpt spawns itself with `Deno.Command`, so the exact
 * command line and environment are ours (the SDK's stdio transport adds its own default
 * environment). Messages are newline-delimited JSON-RPC, each bounded in size; a line that is
 * not a JSON-RPC message is reported to the log and skipped; stderr goes to the log line by line.
 * @module
 */
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { LaunchCommand } from "./launch.ts";
import { LineSplitter } from "./lines.ts";

/** Options of {@linkcode ProcessTransport}. */
export interface ProcessTransportOptions {
  /** The longest message the server may send, in characters. */
  maxMessageChars: number;
  /** Receives the server's stderr lines and notes about skipped output. */
  log: (line: string) => void;
}

const STDERR_LINE = 4096;
const KILL_GRACE_MS = 2000;

/**
 * Runs a server process and speaks MCP over its stdin and stdout.
 *
 * @example
 * ```ts
 * const transport = new ProcessTransport(launchCommand(config, ctx), { maxMessageChars, log });
 * await client.connect(transport);
 * ```
 */
export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #command: LaunchCommand;
  readonly #opts: ProcessTransportOptions;
  #child?: Deno.ChildProcess;
  #stdin?: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;

  constructor(command: LaunchCommand, opts: ProcessTransportOptions) {
    this.#command = command;
    this.#opts = opts;
  }

  /** Spawns the process and starts reading its output. */
  start(): Promise<void> {
    const { command, args, env, cwd } = this.#command;
    try {
      this.#child = new Deno.Command(command, {
        args,
        env,
        clearEnv: true,
        cwd,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      throw spawnError(command, e);
    }
    this.#stdin = this.#child.stdin.getWriter();
    this.#readStdout(this.#child.stdout);
    this.#readStderr(this.#child.stderr);
    this.#child.status.then((s) => {
      if (!this.#closed) this.#opts.log(`server exited (${describeExit(s)})`);
      this.#finish();
    });
    return Promise.resolve();
  }

  /** Writes one message as a line. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#stdin || this.#closed) throw new Error("the server is not running");
    await this.#stdin.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  /** Stops the process: SIGTERM, then SIGKILL if it is still there after a grace period. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#closed) return;
    this.#closed = true;
    await this.#stdin?.close().catch(() => {});
    kill(child, "SIGTERM");
    const timer = setTimeout(() => kill(child, "SIGKILL"), KILL_GRACE_MS);
    await child.status;
    clearTimeout(timer);
    this.#finish();
  }

  #finish(): void {
    if (this.#child === undefined) return;
    this.#child = undefined;
    this.#closed = true;
    this.onclose?.();
  }

  async #readStdout(stream: ReadableStream<Uint8Array>): Promise<void> {
    const lines = new LineSplitter(this.#opts.maxMessageChars, "fail");
    try {
      for await (const chunk of decodeText(stream)) {
        for (const line of lines.push(chunk)) this.#receive(line);
      }
    } catch (e) {
      // An overlong message: the server is broken or hostile; stop it rather than buffer more.
      this.onerror?.(new Error(`server output refused: ${(e as Error).message}`));
      this.#opts.log(`stopped: ${(e as Error).message} (limit of one message)`);
      await this.close();
    }
  }

  #receive(line: string): void {
    if (!line.trim()) return;
    let parsed;
    try {
      parsed = JSONRPCMessageSchema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.#opts.log(`stdout (not a JSON-RPC message, skipped): ${line.slice(0, 200)}`);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    const lines = new LineSplitter(STDERR_LINE, "cut");
    try {
      for await (const chunk of decodeText(stream)) {
        for (const line of lines.push(chunk)) this.#opts.log(line);
      }
      for (const line of lines.flush()) this.#opts.log(line);
    } catch {
      // The process ended mid-read; nothing more to log.
    }
  }
}

/** Why a command could not start, saying what to do: rungpt's own grant, or a missing program. */
function spawnError(command: string, e: unknown): Error {
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return new Error(
      `rungpt itself may not run "${command}": start it with that program added to --allow-run (deno task start allows git and deno only)`,
    );
  }
  if (e instanceof Deno.errors.NotFound) {
    return new Error(`"${command}" was not found; give its full path or put it on PATH`);
  }
  return e instanceof Error ? e : new Error(String(e));
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

function describeExit(s: Deno.CommandStatus): string {
  return s.signal ? `signal ${s.signal}` : `exit code ${s.code}`;
}

/** The stream's text, chunk by chunk (a character split across chunks is kept whole). */
async function* decodeText(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  for await (const bytes of stream) yield decoder.decode(bytes, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}
