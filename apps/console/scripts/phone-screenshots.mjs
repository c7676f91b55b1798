#!/usr/bin/env node
// Screenshots of the console on a phone (390×844, touch) against a real hub with its demo agents:
//   docs/screenshots/phone-queue.png          the queue
//   docs/screenshots/phone-detail.png         a request open: arguments first, the decision buttons below
//   docs/screenshots/phone-history.png        History as cards
//   docs/screenshots/phone-decision-link.png  the page a signed decision link opens
//   docs/screenshots/phone-decision-link-done.png  the same page after deciding
// Usage, from the repository root, after building the hub and the console:
//   node apps/console/scripts/phone-screenshots.mjs [--out docs/screenshots]
// The link is minted with the hub's own signing code and the signing key this script gives the hub.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from '@playwright/test';
import { approveFully } from './lib/approveFully.mjs';
import { launchChromium } from './lib/launchChromium.mjs';
import { startHub } from './lib/startHub.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const outIndex = process.argv.indexOf('--out');
const outDir = path.resolve(repoRoot, outIndex > 0 ? process.argv[outIndex + 1] : 'docs/screenshots');
const { signDecisionLink } = await import(pathToFileURL(path.join(repoRoot, 'apps/hub/dist/index.js')).href);

const signingKey = 'phone-screenshots-signing-key-0123456789';
const configDir = await mkdtemp(path.join(tmpdir(), 'approval-hub-phone-'));
const configFile = path.join(configDir, 'hub.json');
await writeFile(configFile, JSON.stringify({ decisionLinks: { signingKey }, demo: { intervalMs: 2000 } }));

const hub = await startHub(repoRoot, { extraArgs: ['--config', configFile] });
const browser = await launchChromium();
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' };
try {
  await mkdir(outDir, { recursive: true });
  const reviewerToken = decodeURIComponent(new URL(hub.signInUrl).hash.replace(/^#token=/, ''));
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(hub.signInUrl);
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/Connected/, { timeout: 15_000 });
  const rows = page.getByRole('list', { name: 'Pending requests' }).getByRole('listitem');
  await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
  await page.screenshot({ path: path.join(outDir, 'phone-queue.png') });

  const details = page.getByRole('region', { name: 'Request details' });
  const deny = details.getByRole('button', { name: 'Deny', exact: true });
  // On a phone the open request covers the list; after a decision the next one opens by itself.
  const openFirst = async () => {
    if (await rows.first().isVisible()) await rows.first().tap();
  };
  for (const decide of [() => approveFully(page, details), () => deny.tap(), () => approveFully(page, details)]) {
    await openFirst();
    await expect(deny).toBeEnabled({ timeout: 10_000 });
    await decide();
    await expect(page.getByLabel('Notices')).toContainText(/Approved|Denied|Too late/, { timeout: 10_000 });
  }
  await openFirst();
  await expect(details.getByRole('heading', { level: 2 }).first()).toBeVisible();
  // A phone shows the newest notice only: dismiss until none is left.
  const dismissNotices = async () => {
    const close = page.getByLabel('Notices', { exact: true }).getByRole('button', { name: 'Dismiss notice' });
    for (let i = 0; i < 10 && (await close.count()) > 0; i++) await close.first().tap();
  };
  await dismissNotices();
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(outDir, 'phone-detail.png') });

  await page.getByRole('link', { name: 'History' }).tap();
  const table = page.getByRole('table', { name: /Decided requests/ });
  await expect(table.getByRole('row')).not.toHaveCount(1, { timeout: 15_000 });
  await dismissNotices();
  await page.evaluate(() => document.querySelector('.history-table tbody tr')?.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(outDir, 'phone-history.png') });

  // A decision link for the reviewer, to a request still pending.
  const pending = await (await fetch(`${hub.url}/api/approvals?status=pending&limit=50`, { headers: { authorization: `Bearer ${reviewerToken}` } })).json();
  const record = pending.items.find((r) => r.risk !== 'critical') ?? pending.items[0];
  const { token } = await signDecisionLink({ linkKey: Buffer.from(signingKey), reviewerToken, principalId: 'dev-reviewer', record, expiresAtMs: Date.parse(record.expiresAt), nowMs: Date.now() });
  const linkPage = await (await browser.newContext(phone)).newPage();
  await linkPage.goto(`${hub.url}/d/${token}`);
  await expect(linkPage.getByRole('button', { name: 'Deny' })).toBeVisible();
  await linkPage.screenshot({ path: path.join(outDir, 'phone-decision-link.png') });
  await linkPage.getByLabel(/Reason/).fill('Checked with the on-call engineer.');
  await linkPage.getByRole('button', { name: 'Deny' }).tap();
  await expect(linkPage.getByRole('heading', { name: 'You denied this request' })).toBeVisible();
  await linkPage.screenshot({ path: path.join(outDir, 'phone-decision-link-done.png') });

  console.log(`Screenshots written to ${path.relative(process.cwd(), outDir) || '.'}: phone-queue.png, phone-detail.png, phone-history.png, phone-decision-link.png, phone-decision-link-done.png`);
} catch (error) {
  console.error(error);
  console.error(`--- hub output ---\n${hub.log().slice(-4000)}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await hub.stop();
}
