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

/** The first line of a message that has text, so CI's short log says what broke, not only where. */
function firstLine(message) {
  return (String(message ?? '').split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 300);
}

/** Names of what failed in a vitest report: each failed test, or the file when it failed to load. */
function vitestFailures(report, file) {
  const names = [];
  for (const suite of report.testResults ?? []) {
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) {
      const why = firstLine(test.failureMessages?.[0]);
      names.push(`${path.relative(root, suite.name)} > ${test.fullName}${why ? `: ${why}` : ''}`);
    }
    if (failedTests.length === 0 && suite.status === 'failed') names.push(`${path.relative(root, suite.name ?? file)} (did not run: ${firstLine(suite.message)})`);
  }
  return names;
}

/** Names of the Playwright tests that did not pass at once (a retry that passed is still counted). */
function playwrightFailures(suites, file, names = []) {
  for (const suite of suites ?? []) {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === 'unexpected' || test.status === 'flaky') names.push(`${spec.file ?? file} > ${spec.title} (${test.status})`);
      }
    }
    playwrightFailures(suite.suites, file, names);
  }
  return names;
}

let passed = 0;
let failed = 0;
const failures = [];
for (const file of reports(root)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof report.numPassedTests === 'number') {
    // vitest
    passed += report.numPassedTests;
    // A suite that failed to load has no failed tests of its own; count it once.
    failed += report.numFailedTests > 0 ? report.numFailedTests : (report.numFailedTestSuites ?? 0);
    failures.push(...vitestFailures(report, file));
  } else if (report.stats) {
    // Playwright
    passed += report.stats.expected ?? 0;
    failed += (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0);
    failures.push(...playwrightFailures(report.suites, file));
  }
}
if (runStatus !== 0 && failed === 0) {
  failed = 1;
  failures.push('a step failed without a test report (install, lint, typecheck or build): see its output above');
}
for (const name of failures) console.log(`failed: ${name}`);
console.log(`${passed} passed, ${failed} failed`);
