#!/usr/bin/env node
// Screenshots of the console against a real hub with its demo agents:
//   docs/screenshots/queue.png    the live queue with one request open
//   docs/screenshots/history.png  History after approving, denying and editing a few
//   (also queue-dark.png and edit.png)
// Usage, from the repository root, after building the hub and the console:
//   pnpm --filter @approval-hub/hub build && pnpm --filter @approval-hub/console build
//   node apps/console/scripts/screenshots.mjs [--out docs/screenshots]
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';
import { launchChromium } from './lib/launchChromium.mjs';
import { approveFully } from './lib/approveFully.mjs';
import { startHub } from './lib/startHub.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const outIndex = process.argv.indexOf('--out');
const outDir = path.resolve(repoRoot, outIndex > 0 ? process.argv[outIndex + 1] : 'docs/screenshots');

const hub = await startHub(repoRoot);
const browser = await launchChromium();
try {
  await mkdir(outDir, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(hub.signInUrl);

  // The token is read once and removed from the address bar.
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByRole('status')).toHaveText(/Connected/, { timeout: 15_000 });

  const list = page.getByRole('list', { name: 'Pending requests' });
  const rows = list.getByRole('listitem');
  // Wait for real requests from the demo agents.
  await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);

  const details = page.getByRole('region', { name: 'Request details' });
  const deny = details.getByRole('button', { name: 'Deny', exact: true });

  const decide = async (action) => {
    await rows.first().click();
    await expect(deny).toBeEnabled({ timeout: 10_000 });
    const before = await rows.count();
    await action();
    await expect(page.getByLabel('Notices')).toContainText(/Approved|Denied|Too late/, { timeout: 10_000 });
    return before;
  };

  // A few decisions so History has something to show.
  await decide(() => approveFully(page, details));
  await decide(async () => {
    await details.getByLabel(/Reason/).fill('Not during business hours: please retry after 18:00.');
    await deny.click();
  });
  await decide(async () => {
    await details.getByRole('button', { name: 'Edit & approve', exact: true }).click();
    const editor = details.getByLabel('Edited arguments (JSON)');
    const text = await editor.inputValue();
    const args = JSON.parse(text);
    const firstKey = Object.keys(args)[0];
    args[firstKey] = typeof args[firstKey] === 'number' ? args[firstKey] / 2 : `${String(args[firstKey])} (reviewed)`;
    await editor.fill(JSON.stringify(args, null, 2));
    await expect(details.getByRole('region', { name: 'Changes to the arguments' })).toBeVisible();
    await page.screenshot({ path: path.join(outDir, 'edit.png') });
    await details.getByRole('button', { name: /Approve edited arguments/ }).click();
    // High risk asks for a second press; critical for the tool name.
    const again = details.getByRole('button', { name: /^Confirm: approve edited arguments/ });
    const typeName = details.getByRole('textbox', { name: /Type the tool name/ });
    if (await again.isVisible()) await again.click();
    else if (await typeName.isVisible()) {
      await typeName.fill((await details.getByRole('heading', { level: 2 }).first().innerText()).trim());
      await details.getByRole('button', { name: 'Approve critical request' }).click();
    }
  });
  await decide(() => deny.click());

  // The queue with one request open, just after approving the one before it (its notice still showing).
  await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  await decide(() => approveFully(page, details));
  // Open the riskiest request left: the risk label, the agent's reasons and any warning are what the shot is for.
  await page.getByLabel('Sort').selectOption('risk');
  await rows.first().click();
  await expect(details.getByRole('heading', { level: 2 }).first()).toBeVisible();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // the notice's slide-in animation
  await page.screenshot({ path: path.join(outDir, 'queue.png') });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(400); // colour transitions
  await page.screenshot({ path: path.join(outDir, 'queue-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  // History, with one request's timeline open.
  await page.getByRole('link', { name: 'History' }).click();
  const table = page.getByRole('table', { name: /Decided requests/ });
  await expect(table.getByRole('row')).not.toHaveCount(1, { timeout: 15_000 });
  await table.getByRole('button', { name: /^Timeline of/ }).first().click();
  await expect(page.getByRole('region', { name: 'Request timeline' }).getByRole('listitem').first()).toBeVisible();
  await page.screenshot({ path: path.join(outDir, 'history.png') });

  console.log(`Screenshots written to ${path.relative(process.cwd(), outDir) || '.'}: queue.png, queue-dark.png, edit.png, history.png`);
} catch (error) {
  console.error(error);
  console.error(`--- hub output ---\n${hub.log().slice(-4000)}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await hub.stop();
}
