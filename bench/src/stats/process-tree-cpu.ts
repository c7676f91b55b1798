import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may hold spaces: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/**
 * CPU time (µs) used so far by a process and every live descendant, from /proc (Linux; 0 elsewhere). PostgreSQL
 * serves each connection from its own child of the postmaster, so its cost is the whole tree. A child that has
 * already exited is missing from the sum: fine for a pooled hub, whose connections live for the whole run.
 */
export function processTreeCpuMicros(rootPid: number): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  const children = new Map<number, ProcStat[]>();
  let root: ProcStat | null = null;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    if (stat.pid === rootPid) root = stat;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(stat);
    children.set(stat.ppid, siblings);
  }
  if (!root) return 0;
  let ticks = 0;
  const pending: ProcStat[] = [root];
  for (let next = pending.pop(); next; next = pending.pop()) {
    ticks += next.cpuTicks;
    pending.push(...(children.get(next.pid) ?? []));
  }
  return Math.round((ticks / clockTicksPerSecond()) * 1e6);
}
