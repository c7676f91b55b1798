#!/usr/bin/env node
// Sums the JSON reports vitest and Playwright leave in */test-results/ and prints "N passed, N failed".
// A suite that failed without leaving a report (a crash, a build error) counts as one failure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runStatus = Number(process.argv[2] ?? 0);

function reports(dir, found = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (!statSync(full).isDirectory()) continue;
    if (entry === 'test-results') {
      for (const file of readdirSync(full)) if (file.endsWith('.json')) found.push(path.join(full, file));
    } else if (dir.split(path.sep).length - root.split(path.sep).length < 3) {
      reports(full, found);
    }
  }
  return found;
}

let passed = 0;
let failed = 0;
for (const file of reports(root)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof report.numPassedTests === 'number') {
    // vitest
    passed += report.numPassedTests;
    // A suite that failed to load has no failed tests of its own; count it once.
    failed += report.numFailedTests > 0 ? report.numFailedTests : (report.numFailedTestSuites ?? 0);
  } else if (report.stats) {
    // Playwright
    passed += report.stats.expected ?? 0;
    failed += (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0);
  }
}
if (runStatus !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
