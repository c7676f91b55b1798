#!/usr/bin/env node
// Screenshots of the demo queue at desktop (1440 px) and phone (390 px) width, for comparing two builds.
// Usage: node apps/console/scripts/queue-shots.mjs --root <repository with built hub and console> --out DIR --name after
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';
import { launchChromium } from './lib/launchChromium.mjs';
import { startHub } from './lib/startHub.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = path.resolve(arg('root', here));
const outDir = path.resolve(arg('out', '/tmp/trust-shots'));
const name = arg('name', 'queue');

const hub = await startHub(root);
const browser = await launchChromium();
try {
  await mkdir(outDir, { recursive: true });
  for (const [label, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const context = await browser.newContext({ viewport, colorScheme: 'light', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(hub.signInUrl);
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/Connected/, { timeout: 15_000 });
    const rows = page.getByRole('list', { name: 'Pending requests' }).getByRole('listitem');
    await expect.poll(() => rows.count(), { timeout: 90_000 }).toBeGreaterThanOrEqual(6);
    // The riskiest request when the console can sort by risk; otherwise the first delete_pod (the same kind of row).
    const sort = page.getByLabel('Sort', { exact: true });
    const byRisk = (await sort.locator('option[value="risk"]').count()) > 0;
    if (byRisk) await sort.selectOption('risk');
    const pod = rows.filter({ hasText: 'delete_pod' }).first();
    await (byRisk || (await pod.count()) === 0 ? rows.first() : pod).click();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(outDir, `${name}-${label}.png`) });
    if (label === 'phone') await page.screenshot({ path: path.join(outDir, `${name}-${label}-full.png`), fullPage: true });
    await context.close();
  }
  console.log(`written to ${outDir}: ${name}-desktop.png, ${name}-phone.png`);
} catch (error) {
  console.error(error);
  console.error(`--- hub output ---\n${hub.log().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await hub.stop();
}
