import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createHub, type Hub } from '../src/create-hub.js';
import { createLogger } from '../src/runtime/logger.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { defaultTokens, startTestHub, type TestHub } from './support/test-hub.js';

/** Issue #9: a foreign-origin upgrade is answered 403 (as docs/protocol.md says), and the console's CSP names only its own origin. */
let hub: TestHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

/** Sends a WebSocket upgrade for Engine.IO and resolves with the HTTP status of the answer (101 when accepted). */
function upgradeStatus(port: number, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/socket.io/?EIO=4&transport=websocket',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
        ...(origin ? { origin } : {}),
      },
    });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('foreign origins', () => {
  it('answers a WebSocket upgrade from a foreign origin with 403, and lets the own and allowed origins upgrade', async () => {
    hub = await startTestHub({ allowedOrigins: ['https://console.example'] });
    expect(await upgradeStatus(hub.port, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(hub.port, 'null')).toBe(403);
    expect(await upgradeStatus(hub.port, `http://127.0.0.1:${hub.port}`)).toBe(101);
    expect(await upgradeStatus(hub.port, 'https://console.example')).toBe(101);
    expect(await upgradeStatus(hub.port, undefined)).toBe(101);
  });

  it('answers a polling handshake from a foreign origin with 403', async () => {
    hub = await startTestHub();
    const res = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const own = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: hub.url } });
    expect(own.status).toBe(200);
  });
});

describe('the console Content-Security-Policy', () => {
  let running: { hub: Hub; store: SqliteStore; dir: string } | null = null;
  afterEach(async () => {
    if (!running) return;
    await running.hub.close();
    await running.store.close();
    rmSync(running.dir, { recursive: true, force: true });
    running = null;
  });

  async function startWithConsole(files: Record<string, string>): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-csp-'));
    const consoleDir = path.join(dir, 'console');
    mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(consoleDir, name), text);
    const config = parseConfig({ port: 0, dbPath: path.join(dir, 'hub.db'), tokens: defaultTokens, demo: { enabled: false }, logLevel: 'silent' });
    const store = await openSqliteStore({ path: path.join(dir, 'hub.db'), durability: 'normal' });
    const created = createHub({ config, store, logger: createLogger('silent'), consoleDir });
    running = { hub: created, store, dir };
    return (await created.listen(0, '127.0.0.1')).url;
  }

  it('lets the console connect only to its own origin: connect-src is self, with no ws:/wss: wildcard', async () => {
    const url = await startWithConsole({ 'index.html': '<!doctype html><title>console</title>', 'assets/app.js': '' });
    for (const route of ['/', '/some/client/route', '/index.html']) {
      const res = await fetch(`${url}${route}`);
      expect(res.status, route).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const connectSrc = /(?:^|;)\s*connect-src ([^;]*)/.exec(csp)?.[1]?.trim();
      expect(connectSrc, route).toBe("'self'");
      expect(csp).not.toMatch(/\bwss?:/);
    }
  });

  // CSP Level 3: 'self' also matches ws:/wss: to the page's own host and port; checked in a real Chromium.
  it.runIf(existsSync(CHROMIUM))('in Chromium, the console page may open a WebSocket to its hub and to no other host or port', async () => {
    const url = await startWithConsole({
      'index.html': '<!doctype html><title>csp</title><script src="/assets/app.js" defer></script><pre id="out">pending</pre>',
      'assets/app.js': BROWSER_PROBE,
    });
    const dom = await new Promise<string>((resolve, reject) =>
      execFile(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=4000', '--dump-dom', `${url}/`], { timeout: 60_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    const results = JSON.parse((/<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? '{}').replaceAll('&amp;', '&')) as Record<string, string>;
    expect(results['same-origin']).toBe('open');
    expect(results['blocked:other-port']).toBe('connect-src');
    expect(results['blocked:other-host']).toBe('connect-src');
  }, 60_000);
});

const CHROMIUM = '/usr/bin/chromium';
/** Runs in the page: opens WebSockets and records which ones the CSP blocked. */
const BROWSER_PROBE = `
const results = {};
const labels = {};
const out = () => (document.getElementById('out').textContent = JSON.stringify(results));
document.addEventListener('securitypolicyviolation', (e) => { results['blocked:' + (labels[e.blockedURI] || e.blockedURI)] = e.violatedDirective; out(); });
function tryWs(label, url) {
  labels[url] = label;
  try {
    const ws = new WebSocket(url);
    labels[ws.url] = label;
    ws.onopen = () => { results[label] = 'open'; ws.close(); out(); };
    ws.onerror = () => { results[label] = results[label] || 'error'; out(); };
  } catch (e) { results[label] = 'threw ' + e.name; out(); }
}
tryWs('same-origin', 'ws://' + location.host + '/socket.io/?EIO=4&transport=websocket');
tryWs('other-port', 'ws://127.0.0.1:' + (Number(location.port) + 1) + '/');
tryWs('other-host', 'ws://localhost:' + location.port + '/socket.io/?EIO=4&transport=websocket');
`;
