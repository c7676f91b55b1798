import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './bench-report.js';

/** Writes `bench/results/<timestamp>-<profile>.json` and returns its path. */
export function writeResultsFile(resultsDir: string, report: BenchReport): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.join(resultsDir, `${stamp}-${report.profile}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
