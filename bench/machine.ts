/**
 * What the benchmark ran on: CPU model, cores, memory, OS and Deno version.
 * @module
 */

import { readProc } from "./procs.ts";

/** Machine description, printed with every run. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number | null;
  os: string;
  deno: string;
  v8: string;
}

/** Reads the machine description (Linux /proc when there; falls back to "unknown"). */
export async function machineInfo(): Promise<MachineInfo> {
  let cpu = "unknown";
  try {
    const text = await readProc("/proc/cpuinfo");
    cpu = text.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? cpu;
  } catch { /* not Linux */ }
  let memoryGiB: number | null = null;
  try {
    memoryGiB = Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10;
  } catch { /* no --allow-sys */ }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** One line, e.g. `AMD EPYC 7B13, 8 cores, 31.4 GiB, linux x86_64, Deno 2.9.0`. */
export function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores${
    m.memoryGiB ? `, ${m.memoryGiB} GiB` : ""
  }, ${m.os}, Deno ${m.deno}`;
}
