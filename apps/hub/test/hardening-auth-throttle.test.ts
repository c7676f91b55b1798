import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Namespace } from '@approval-hub/protocol';
import { Manager, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type HubConfigInput } from '../src/config.js';
import { createHub, type Hub } from '../src/create-hub.js';
import { createLogger } from '../src/runtime/logger.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { defaultTokens, tokens } from './support/test-hub.js';

/** Issue #9: failed handshakes and 401s are throttled per remote address, and so is their logging. */
interface LoggedHub {
  hub: Hub;
  store: SqliteStore;
  url: string;
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

let current: LoggedHub | null = null;
let manager: Manager | null = null;

afterEach(async () => {
  manager?.engine?.close();
  manager = null;
  await current?.close();
  current = null;
});

async function startLoggedHub(overrides: HubConfigInput = {}): Promise<LoggedHub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-throttle-'));
  const dbPath = path.join(dir, 'hub.db');
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = parseConfig({ port: 0, dbPath, tokens: defaultTokens, demo: { enabled: false }, logLevel: 'info', ...overrides });
  const store = await openSqliteStore({ path: dbPath, durability: config.database.kind === 'sqlite' ? config.database.durability : 'normal' });
  const hub = createHub({ config, store, logger: createLogger('info', sink), consoleDir: path.join(dir, 'no-console') });
  const { url } = await hub.listen(0, '127.0.0.1');
  current = {
    hub,
    store,
    url,
    lines,
    close: async () => {
      await hub.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return current;
}

/** One Engine.IO connection; each handshake is a fresh namespace socket over it, the way the attack in #9 did it. */
function handshakeOver(mgr: Manager, nsp: string, token: string): Promise<string> {
  const socket: Socket = mgr.socket(nsp, { auth: { token } });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (error: Error & { data?: { code: string } }) => {
      socket.disconnect();
      resolve(error.data?.code ?? error.message);
    });
    socket.connect();
  });
}

const refusals = (lines: Record<string, unknown>[]) => lines.filter((l) => l.event === 'auth.refused');

describe('failed authentication is throttled per remote address', () => {
  it('answers rate_limited after limits.authFailureBurst wrong-token handshakes, while a good token still connects', async () => {
    const { url } = await startLoggedHub({ limits: { authFailureBurst: 5, authFailuresPerMinute: 1 } });
    manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false });
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push(await handshakeOver(manager, Namespace.agent, 'wrong-token-0123456789'));
    expect(codes).toEqual([...Array(5).fill('unauthorized'), ...Array(3).fill('rate_limited')]);
    // Issue #24: a good token is never refused because others failed from the same address. (A new manager: one
    // caches its namespace socket, auth included.)
    manager.engine?.close();
    manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false });
    expect(await handshakeOver(manager, Namespace.agent, tokens.agent)).toBe('connected');
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.agent}` } })).status).toBe(200);
    // REST shares the count: a wrong token from the same address gets 429 there too.
    const res = await fetch(`${url}/api/me`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('REST: 401s up to the burst, then 429 for wrong tokens while good tokens are served; health stays open', async () => {
    const { url } = await startLoggedHub({ limits: { authFailureBurst: 4, authFailuresPerMinute: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/api/approvals`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.reviewer}` } })).status).toBe(200);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('400 wrong-token handshakes on one connection are answered rate_limited after the burst and write only a few log lines', async () => {
    const { url, lines } = await startLoggedHub();
    manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false });
    const codes = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < 400; i++) {
      const code = await handshakeOver(manager, Namespace.reviewer, 'wrong-token-0123456789');
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const elapsed = performance.now() - started;
    // The default burst (100, refilling at 1 a second) is answered `unauthorized`; the rest `rate_limited`.
    const unauthorized = codes.get('unauthorized') ?? 0;
    expect(unauthorized).toBeGreaterThanOrEqual(100);
    expect(unauthorized).toBeLessThanOrEqual(100 + Math.ceil(elapsed / 1000));
    expect(codes.get('rate_limited')).toBe(400 - unauthorized);
    // At most AUTH_LOG_LINES_PER_MINUTE lines about this address, however many refusals.
    expect(refusals(lines).length).toBeLessThanOrEqual(5);
  }, 60_000);

  it('a suppressed count is reported once the minute has passed', async () => {
    const { AuthThrottle } = await import('../src/identity/auth-throttle.js');
    let now = 0;
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const log = { warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }) } as unknown as import('../src/runtime/logger.js').Logger;
    const throttle = new AuthThrottle(() => ({ authFailureBurst: 3, authFailuresPerMinute: 60 }), () => log, () => now);
    for (let i = 0; i < 20; i++) throttle.logRefusal('10.0.0.1', { event: 'auth.refused', code: 'unauthorized' }, 'handshake refused');
    throttle.logRefusal('10.0.0.2', { event: 'auth.refused', code: 'unauthorized' }, 'handshake refused');
    expect(logged).toHaveLength(6);
    now += 60_000;
    throttle.logRefusal('10.0.0.1', { event: 'auth.refused', code: 'unauthorized' }, 'handshake refused');
    expect(logged.at(-1)!.fields).toMatchObject({ address: '10.0.0.1', suppressed: 15 });
    // The allowance refills with time.
    for (let i = 0; i < 3; i++) throttle.recordFailure('10.0.0.3');
    expect(throttle.throttled('10.0.0.3')).toBe(true);
    now += 1000;
    expect(throttle.throttled('10.0.0.3')).toBe(false);
  });

  it('counts IPv4-mapped addresses as IPv4, and IPv6 addresses by their /64', async () => {
    const { throttleKey } = await import('../src/identity/auth-throttle.js');
    expect(throttleKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(throttleKey('10.1.2.3')).toBe('10.1.2.3');
    expect(throttleKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
