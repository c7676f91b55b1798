import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Whole-machine CPU counters from /proc/stat (Linux); null elsewhere. */
export interface CpuTicks {
  busy: number;
  steal: number;
  total: number;
}

export function readCpuTicks(): CpuTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number);
    return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}

/** What the whole machine did over a step, in percent of one core (like the per-process figures). */
export interface MachineLoad {
  busyPercent: number;
  stealPercent: number;
}

export function machineLoad(before: CpuTicks | null, after: CpuTicks | null): MachineLoad | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  const cores = os.cpus().length;
  const percent = (ticks: number) => Math.round((ticks / total) * cores * 1000) / 10;
  return { busyPercent: percent(after.busy - before.busy), stealPercent: percent(after.steal - before.steal) };
}
