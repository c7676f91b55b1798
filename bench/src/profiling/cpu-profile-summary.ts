import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples. */
  percent: number;
}

export interface ProfileSummary {
  files: string[];
  busyMs: number;
  topFunctions: SelfTimeEntry[];
  /** Self time grouped by where the code lives: the hub, a package, Node internals, GC. */
  byArea: SelfTimeEntry[];
  /**
   * The same, per thread (`main`, or a worker named after its script, e.g. `writer-thread`): `--cpu-prof` writes one
   * profile per thread, and a worker's busy time is CPU the process spends beside its event loop.
   */
  threads: ThreadSummary[];
}

export interface ThreadSummary {
  thread: string;
  busyMs: number;
  topFunctions: SelfTimeEntry[];
}

const IDLE = '(idle)';

function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const inPackage = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
  if (inPackage) return `${inPackage[1]}/${inPackage[2]}:${line + 1}`;
  const inRepo = /\/(apps|packages)\/(.*)$/.exec(file);
  if (inRepo) return `${inRepo[1]}/${inRepo[2]}:${line + 1}`;
  return `${file}:${line + 1}`;
}

function areaOf(name: string, url: string): string {
  if (name.startsWith('(')) return name;
  const file = url.replace(/^file:\/\//, '');
  const inPackage = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (inPackage) return `package ${inPackage[1]}`;
  const inRepo = /\/(apps\/[^/]+|packages\/[^/]+)\/(?:dist|src)\/(?:([^/]+)\/)?/.exec(file);
  if (inRepo) return inRepo[2] && !inRepo[2].includes('.') ? `${inRepo[1]}/${inRepo[2]}` : inRepo[1]!;
  if (file.startsWith('node:')) return 'node internals';
  if (file === '') return 'native / V8 builtins';
  return file;
}

function rank(map: Map<string, { name: string; where: string; micros: number }>, busyMicros: number, top: number): SelfTimeEntry[] {
  return [...map.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: Math.round(e.micros / 1000), percent: Math.round((e.micros / busyMicros) * 1000) / 10 }));
}

/** Node names a profile `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`; thread 0 is the main thread. */
function threadIdOf(file: string): number | null {
  const match = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file);
  return match ? Number(match[1]) : null;
}

/** `main`, or a worker named after the `…-thread.js` script it runs (the hub's `writer-thread`), else `worker`. */
function threadName(file: string, profile: CpuProfile): string {
  if (threadIdOf(file) === 0) return 'main';
  for (const node of profile.nodes) {
    const script = /\/([\w-]+-thread)\.[cm]?js$/.exec(node.callFrame.url);
    if (script) return script[1]!;
  }
  return 'worker';
}

/** Sums self time per function (and per area) over one or more profiles of the same process kind. */
export function summarizeCpuProfiles(files: readonly string[], top = 20): ProfileSummary {
  const perThread = new Map<string, string[]>();
  for (const file of files) {
    const name = threadName(file, JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    perThread.set(name, [...(perThread.get(name) ?? []), file]);
  }
  const threads = [...perThread].map(([thread, ofThread]) => {
    const summary = selfTime(ofThread, top);
    return { thread, busyMs: summary.busyMs, topFunctions: summary.topFunctions };
  });
  return { ...selfTime(files, top), threads: threads.sort((a, b) => b.busyMs - a.busyMs) };
}

function selfTime(files: readonly string[], top: number): Omit<ProfileSummary, 'threads'> {
  const byFunction = new Map<string, { name: string; where: string; micros: number }>();
  const byArea = new Map<string, { name: string; where: string; micros: number }>();
  let busyMicros = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    for (let i = 0; i < profile.samples.length; i++) {
      // timeDeltas[i] is the gap before sample i: the time until the next sample belongs to this one.
      const micros = profile.timeDeltas[i + 1] ?? 0;
      const frame = frames.get(profile.samples[i]!);
      if (!frame || frame.functionName === IDLE) continue;
      busyMicros += micros;
      const name = frame.functionName || '(anonymous)';
      const where = shortLocation(frame.url, frame.lineNumber);
      const key = `${name}@${where}`;
      const entry = byFunction.get(key) ?? { name, where, micros: 0 };
      entry.micros += micros;
      byFunction.set(key, entry);
      const area = areaOf(name, frame.url);
      const areaEntry = byArea.get(area) ?? { name: area, where: '', micros: 0 };
      areaEntry.micros += micros;
      byArea.set(area, areaEntry);
    }
  }
  return { files: [...files], busyMs: Math.round(busyMicros / 1000), topFunctions: rank(byFunction, busyMicros, top), byArea: rank(byArea, busyMicros, top) };
}
