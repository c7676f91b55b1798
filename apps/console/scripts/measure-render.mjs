#!/usr/bin/env node
// Measures the rendered console in a real Chromium with 10,000 pending requests and 50 new requests
// a second (plus 50 resolutions a second, so the queue stays at about 10,000).
//
// The hub is a stand-in (Socket.IO /reviewer + /api/me + the built console), because the real hub's
// demo agents make a few requests a minute; the console cannot tell the difference: every event it
// receives is validated against the protocol's schemas, as from the real hub.
//
// Usage (from the repository root, after `pnpm --filter @approval-hub/console build`):
//   node apps/console/scripts/measure-render.mjs [--pending 10000] [--rate 50] [--seconds 10]
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { launchChromium } from './lib/launchChromium.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PENDING = arg('pending', 10_000);
const RATE = arg('rate', 50);
const SECONDS = arg('seconds', 10);
const TOKEN = 'measure-token';
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

// ---- a stand-in hub -------------------------------------------------------------------------
const TOOLS = ['delete_pod', 'send_payment', 'send_email', 'db.query', 'shell.exec', 'http.post'];
const AGENTS = ['ops-agent', 'billing-agent', 'mail-agent', 'analyst'];
const QUEUES = ['ops', 'billing', 'comms', 'data'];
let seq = 0;
function makeRecord(now, fresh = false) {
  const i = seq++;
  return {
    requestId: `m-${i}`,
    status: 'pending',
    toolName: TOOLS[i % TOOLS.length],
    args: { target: `service-${i}`, namespace: i % 3 ? 'prod' : 'staging', replicas: i % 7, note: 'x'.repeat(i % 200), tags: ['a', 'b', String(i)] },
    agentName: AGENTS[i % AGENTS.length],
    runId: `run-${i}`,
    queue: QUEUES[i % QUEUES.length],
    description: `Request number ${i}`,
    createdAt: new Date(fresh ? now : now - 1000 - (i % 300) * 1000).toISOString(),
    expiresAt: new Date(now + 60_000 + (i % 600) * 1000).toISOString(),
  };
}
const pending = new Map();
for (let i = 0; i < PENDING; i++) {
  const r = makeRecord(Date.now());
  pending.set(r.requestId, r);
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
const http = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/api/me') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'measure', name: 'Measure Bot', role: 'reviewer', queues: null }));
    return;
  }
  const file = path.join(dist, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
  if (!file.startsWith(dist)) return res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
const io = new Server(http);
const reviewers = io.of('/reviewer');
reviewers.use((socket, next) => (socket.handshake.auth?.token === TOKEN ? next() : next(Object.assign(new Error('no'), { data: { code: 'unauthorized', message: 'no' } }))));
reviewers.on('connection', (socket) => {
  socket.on('queue.subscribe', (_payload, ack) => {
    socket.join('all');
    ack({ ok: true, data: { pending: [...pending.values()], serverTime: new Date().toISOString(), queues: null } });
  });
  socket.on('approval.response', (decision, ack) => {
    const record = pending.get(decision.requestId);
    if (!record) return ack({ ok: false, error: { code: 'not_found', message: 'gone' } });
    pending.delete(decision.requestId);
    const decided = { ...record, status: decision.approved ? 'approved' : 'denied', decision: { approved: decision.approved, args: record.args, modified: false, decidedBy: { kind: 'reviewer', id: 'measure', name: 'Measure Bot' }, decidedAt: new Date().toISOString() } };
    ack({ ok: true, data: decided });
  });
});
let load = null;
let emitted = 0;
function startLoad() {
  // 50 a second, spread evenly: one request and one resolution every 20 ms.
  load = setInterval(() => {
    emitted++;
    const fresh = makeRecord(Date.now(), true);
    pending.set(fresh.requestId, fresh);
    reviewers.to('all').emit('approval.request', fresh);
    const oldest = pending.keys().next().value;
    const old = pending.get(oldest);
    pending.delete(oldest);
    reviewers.to('all').emit('approval.resolved', { ...old, status: 'denied', decision: { approved: false, args: old.args, modified: false, decidedBy: { kind: 'policy', rule: 'load-test' }, decidedAt: new Date().toISOString() } });
  }, 1000 / RATE);
}
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${http.address().port}`;

// ---- the browser ------------------------------------------------------------------------------
const browser = await launchChromium();
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, median: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), p99: +q(0.99).toFixed(1), max: +q(1).toFixed(1) };
};
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    // Long tasks (> 50 ms) and frame intervals, collected from the first moment.
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    window.__frames = [];
    let last = performance.now();
    const frame = (t) => {
      window.__frames.push(t - last);
      last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const t0 = Date.now();
  await page.goto(`${origin}/#token=${TOKEN}`);
  await page.getByRole('list', { name: 'Pending requests' }).getByRole('listitem').first().waitFor();
  await page.waitForFunction((n) => document.title.startsWith(`(${n.toLocaleString()})`), PENDING);
  const initialMs = Date.now() - t0;
  const domRows = await page.getByRole('listitem').count();
  await page.waitForTimeout(1000);
  const initialLongTasks = await page.evaluate(() => window.__longTasks.map((t) => Math.round(t.duration)));
  // Newest first, so the top row tells how many pushed requests the page has applied.
  await page.getByLabel('Sort').selectOption('newest');
  const topRequest = () => page.getByRole('listitem').first().getAttribute('data-request-id');
  const firstTop = await topRequest();

  const phase = async (label, body) => {
    await page.evaluate(() => {
      window.__longTasks = [];
      window.__frames = [];
    });
    await body();
    const { frames, longTasks } = await page.evaluate(() => ({ frames: window.__frames, longTasks: window.__longTasks }));
    return { label, frameMs: summary(frames), framesOver50ms: frames.filter((f) => f > 50).length, longTasks: longTasks.length, longTaskTotalMs: Math.round(longTasks.reduce((a, t) => a + t.duration, 0)), longestTaskMs: Math.round(Math.max(0, ...longTasks.map((t) => t.duration))) };
  };

  const results = [];
  results.push(await phase(`idle with ${PENDING.toLocaleString()} pending (countdowns ticking), 5 s`, () => page.waitForTimeout(5000)));
  startLoad();
  results.push(await phase(`${RATE} requests/s + ${RATE} resolutions/s, ${SECONDS} s`, () => page.waitForTimeout(SECONDS * 1000)));
  const emittedDuringLoad = emitted;
  const appliedDuringLoad = Number((await topRequest()).slice(2)) - Number(firstTop.slice(2));
  await page.getByLabel('Sort').selectOption('deadline');
  results.push(
    await phase(`same load while scrolling the list continuously, 5 s`, async () => {
      await page.getByRole('list', { name: 'Pending requests' }).hover();
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        await page.mouse.wheel(0, 600);
        await page.waitForTimeout(16);
      }
    }),
  );
  results.push(
    await phase(`same load while pressing j 100 times (selection + detail pane)`, async () => {
      await page.mouse.move(5, 5);
      for (let i = 0; i < 100; i++) {
        await page.keyboard.press('j');
        await page.waitForTimeout(30);
      }
    }),
  );
  results.push(
    await phase(`same load while typing a search over ${PENDING.toLocaleString()} rows`, async () => {
      await page.getByLabel('Search').pressSequentially('service-12', { delay: 60 });
      await page.waitForTimeout(1000);
      await page.getByLabel('Search').fill('');
      await page.waitForTimeout(1000);
    }),
  );
  clearInterval(load);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  const version = browser.version();
  console.log(JSON.stringify({ chromium: version, pending: PENDING, rate: RATE, initialLoadToTitleMs: initialMs, initialLongTasksMs: initialLongTasks, listItemsInDom: domRows, requestsEmittedDuringLoadPhase: emittedDuringLoad, requestsAppliedDuringLoadPhase: appliedDuringLoad, usedJSHeapMB: heap && Math.round(heap / 1e6), phases: results }, null, 2));
} finally {
  clearInterval(load);
  await browser.close();
  await io.close();
  http.close();
}
