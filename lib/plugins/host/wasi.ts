/**
 * WASI preview 1 for plugins, deny by default: the host side of the WASI bridge
 * (`../wasi_bridge.ts`, which explains why a bridge).
 *
 * What a plugin gets:
 *
 * - empty arguments and environment;
 * - clocks (`clock_time_get`, `clock_res_get`: realtime and monotonic; the CPU-time clocks
 *   read the monotonic one) and `random_get` (the system's CSPRNG);
 * - stdout and stderr: each `fd_write` to fd 1 or 2 goes to the plugin's log, line by line, at
 *   `info` (stdout) or `warn` (stderr), escaped and rate-limited like every log line; stdin reads
 *   as empty. Both look like a terminal, so C's stdio flushes each line;
 * - `proc_exit(code)` ends the call with `exited with code <code> (proc_exit)`, whatever the
 *   code: the plugin never returned its output, so there is none to give;
 * - no preopened directory, so no file system; sockets and every other function answer
 *   `ENOTCAPABLE` (76), "not permitted", and `fd_*` on any other descriptor `EBADF` (8).
 *
 * Why rungpt's own and not `@bjorn3/browser_wasi_shim`: a WASI implementation has to read and
 * write the guest's memory directly, and the guest's memory lives in Extism's worker, where no
 * code of rungpt's runs; here, on the other side of the bridge, only the bytes the bridge copied
 * are at hand, and the shim cannot ask for them. What is implemented is the small part above.
 *
 * Bounds: one call of a WASI function copies at most {@link MAX_TRANSFER} bytes each way (a
 * longer write is a short write, as WASI allows); one plugin call makes at most
 * `limits.wasiCalls` round trips through the bridge (each leaves an Extism block index behind
 * until the call ends, and costs a hand-over between threads).
 * @module
 */
import type { CallContext } from "@extism/extism";
import type { CallBudget, LogLevel, PluginHost } from "../registry.ts";
import { HostFunctionError } from "../runtime_errors.ts";
import {
  encodeDone,
  encodeNeed,
  Errno,
  GuestMemory,
  MAX_TRANSFER,
  NeedBytes,
  WasiErrno,
} from "./wasi_memory.ts";

/** Most bytes one `fd_write` passes to the log (the rest is a short write). */
const MAX_WRITE = 64 * 1024;

type Args = readonly bigint[];
type WasiFunction = (mem: GuestMemory, args: Args, host: PluginHost) => number;

const num = (v: bigint) => Number(BigInt.asUintN(32, v));

/** One WASI call in progress: its function, arguments and what the bridge copied so far. */
interface Pending {
  name: string;
  args: Args;
  mem: GuestMemory;
  asked: [number, number][];
}

/**
 * The bridge's `step` host function for one plugin instance; `functions` are the WASI functions
 * the plugin imports, in the bridge's order.
 *
 * @example
 * ```ts
 * const functions = { [WASI_HOST_MODULE]: { step: wasiStep(["fd_write"], host) } };
 * ```
 */
export function wasiStep(
  functions: readonly string[],
  host: PluginHost,
): (cp: CallContext, request: bigint) => bigint {
  let pending: Pending | null = null;
  const steps = new WeakMap<CallBudget, number>();
  return (cp, request) => {
    const call = cp.hostContext<CallBudget | undefined>();
    if (call) {
      const n = (steps.get(call) ?? 0) + 1;
      steps.set(call, n);
      if (n > host.limits.wasiCalls) {
        throw new HostFunctionError(
          "denied",
          `WASI: more than ${host.limits.wasiCalls} round trips through the WASI bridge in one call`,
          host.name,
        );
      }
    }
    const bytes = cp.read(request)?.bytes() ?? new Uint8Array();
    if (pending) {
      let at = 0;
      for (const [ptr, len] of pending.asked) {
        pending.mem.add(ptr, bytes.slice(at, at + len));
        at += len;
      }
    } else pending = start(bytes, functions);
    const current = pending;
    try {
      const result = run(current, host);
      pending = null;
      return cp.store(encodeDone(result, current.mem.writes));
    } catch (e) {
      if (!(e instanceof NeedBytes)) {
        pending = null;
        throw e;
      }
      current.asked = e.ranges;
      return cp.store(encodeNeed(e.ranges));
    }
  };
}

function start(bytes: Uint8Array, functions: readonly string[]): Pending {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = Array.from({ length: bytes.length >> 3 }, (_, i) => view.getBigUint64(8 * i, true));
  const name = functions[Number(words[0])];
  if (name === undefined) throw new Error("WASI bridge: unknown function index");
  return { name, args: words.slice(2), mem: new GuestMemory(Number(words[1])), asked: [] };
}

/** Runs the pending function; a fresh write list each time, as it may run more than once. */
function run(p: Pending, host: PluginHost): number {
  p.mem.writes.length = 0;
  const fn = IMPLEMENTED[p.name] ?? notCapable;
  try {
    return fn(p.mem, p.args, host);
  } catch (e) {
    if (e instanceof WasiErrno) {
      p.mem.writes.length = 0;
      return e.errno;
    }
    throw e;
  }
}

const notCapable: WasiFunction = () => Errno.notcapable;

/** Writes zero for both counts (arguments, environment). */
const noStrings: WasiFunction = (mem, [count, size]) => {
  mem.writeU32(num(count), 0);
  mem.writeU32(num(size), 0);
  return Errno.success;
};

const CLOCK_REALTIME = 0;
const CLOCKS = 4; // realtime, monotonic, process and thread CPU time

function now(clock: number): bigint {
  if (clock === CLOCK_REALTIME) return BigInt(Date.now()) * 1_000_000n;
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

const isStdio = (fd: number) => fd >= 0 && fd <= 2;

/** fdstat of stdin/out/err: a character device without seek rights (a terminal to libc). */
function stdioStat(fd: number): Uint8Array {
  const b = new Uint8Array(24);
  const view = new DataView(b.buffer);
  view.setUint8(0, 2); // character device
  const FD_READ = 1n << 1n;
  const FD_WRITE = 1n << 6n;
  view.setBigUint64(8, fd === 0 ? FD_READ : FD_WRITE, true);
  return b;
}

/** The iovec list at `iovs`: each buffer's address and length. */
function iovecs(mem: GuestMemory, iovs: number, count: number): [number, number][] {
  if (count > 1024) throw new WasiErrno(Errno.inval);
  const list = mem.read(iovs, 8 * count);
  const view = new DataView(list.buffer, list.byteOffset, list.byteLength);
  return Array.from({ length: count }, (_, i) => [
    view.getUint32(8 * i, true),
    view.getUint32(8 * i + 4, true),
  ]);
}

/** The first `max` bytes of the buffers, in order. */
function takeBytes(ranges: [number, number][], max: number): [number, number][] {
  const out: [number, number][] = [];
  let left = max;
  for (const [at, len] of ranges) {
    if (left <= 0) break;
    out.push([at, Math.min(len, left)]);
    left -= Math.min(len, left);
  }
  return out;
}

const fdWrite: WasiFunction = (mem, [fdArg, iovs, count, written], host) => {
  const fd = num(fdArg);
  if (fd !== 1 && fd !== 2) return Errno.badf;
  const ranges = takeBytes(iovecs(mem, num(iovs), num(count)), MAX_WRITE);
  const chunks = mem.readAll(ranges);
  mem.check(num(written), 4);
  // Everything read: the effect runs once.
  const text = new TextDecoder().decode(concat(chunks));
  logLines(host, fd === 1 ? "info" : "warn", text);
  mem.writeU32(num(written), chunks.reduce((n, c) => n + c.length, 0));
  return Errno.success;
};

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function logLines(host: PluginHost, level: LogLevel, text: string): void {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) host.log(level, line);
}

const IMPLEMENTED: Readonly<Record<string, WasiFunction>> = {
  args_sizes_get: noStrings,
  args_get: () => Errno.success,
  environ_sizes_get: noStrings,
  environ_get: () => Errno.success,
  clock_res_get: (mem, [id, res]) => {
    if (num(id) >= CLOCKS) return Errno.inval;
    mem.writeU64(num(res), 1000n);
    return Errno.success;
  },
  clock_time_get: (mem, [id, , time]) => {
    if (num(id) >= CLOCKS) return Errno.inval;
    mem.writeU64(num(time), now(num(id)));
    return Errno.success;
  },
  random_get: (mem, [buf, len]) => {
    const n = num(len);
    if (n > MAX_TRANSFER) return Errno.inval;
    mem.check(num(buf), n);
    const bytes = new Uint8Array(n);
    for (let at = 0; at < n; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
    mem.write(num(buf), bytes);
    return Errno.success;
  },
  sched_yield: () => Errno.success,
  proc_exit: (_mem, [code], host) => {
    throw new HostFunctionError(
      "plugin_error",
      `exited with code ${num(code)} (proc_exit) before returning its output`,
      host.name,
    );
  },
  fd_write: fdWrite,
  fd_read: (mem, [fd, , , nread]) => {
    if (num(fd) !== 0) return Errno.badf;
    mem.writeU32(num(nread), 0); // stdin is empty
    return Errno.success;
  },
  fd_fdstat_get: (mem, [fd, buf]) => {
    if (!isStdio(num(fd))) return Errno.badf;
    mem.write(num(buf), stdioStat(num(fd)));
    return Errno.success;
  },
  fd_fdstat_set_flags: (_mem, [fd]) => isStdio(num(fd)) ? Errno.notcapable : Errno.badf,
  fd_close: (_mem, [fd]) => isStdio(num(fd)) ? Errno.success : Errno.badf,
  fd_seek: (_mem, [fd]) => isStdio(num(fd)) ? Errno.spipe : Errno.badf,
  fd_tell: (_mem, [fd]) => isStdio(num(fd)) ? Errno.spipe : Errno.badf,
  fd_sync: (_mem, [fd]) => isStdio(num(fd)) ? Errno.inval : Errno.badf,
  fd_datasync: (_mem, [fd]) => isStdio(num(fd)) ? Errno.inval : Errno.badf,
  fd_prestat_get: () => Errno.badf, // no preopened directory
  fd_prestat_dir_name: () => Errno.badf,
};
