import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * A Playwright-managed Chromium when one is installed (a developer's laptop), otherwise the system's
 * (Debian's `chromium` package, which CI installs). `undefined` lets Playwright use its own.
 */
export function chromiumExecutable(): string | undefined {
  if (process.env.E2E_CHROMIUM) return process.env.E2E_CHROMIUM;
  try {
    if (existsSync(chromium.executablePath())) return undefined;
  } catch {
    // No managed browser registered at all.
  }
  return SYSTEM_CHROMIUM.find((path) => existsSync(path));
}

/** Flags that keep a sandboxed, offline Chromium quiet; harmless elsewhere. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
