// A Playwright-managed Chromium when one is installed, else the system's /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium() {
  try {
    return await chromium.launch();
  } catch (managedError) {
    const executablePath = process.env.CHROMIUM_PATH ?? SYSTEM_CHROMIUM.find((p) => existsSync(p));
    if (!executablePath) throw managedError;
    return chromium.launch({ executablePath, args: SYSTEM_ARGS });
  }
}
