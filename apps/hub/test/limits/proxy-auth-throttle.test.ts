import { Namespace } from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { callFrom } from './client-from.js';
import { startReverseProxy, type ReverseProxy } from './reverse-proxy.js';

/**
 * Issue #24, attack 1: behind the reference nginx config every TCP peer is the proxy. Wrong tokens from one client
 * must throttle that client only, and a good token is served whatever anyone else sent.
 */
const ATTACKER = '127.0.0.2';
const USER = '127.0.0.3';
/** Normal latency for a REST call on a loaded (shared, 2-core) test machine, with room to spare. */
const SERVED_WITHIN_MS = 3000;

let hub: TestHub | null = null;
let proxy: ReverseProxy | null = null;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await proxy?.close();
  proxy = null;
  await hub?.close();
  hub = null;
});

function handshake(url: string, token: string, localAddress: string): Promise<string> {
  const socket = io(`${url}${Namespace.reviewer}`, { auth: { token }, transports: ['websocket'], reconnection: false, localAddress } as Parameters<typeof io>[1]);
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: Error & { data?: { code: string } }) => resolve(error.data?.code ?? error.message));
  });
}

describe('limits: failed authentication behind a reverse proxy', () => {
  it('a wrong-token flood throttles its sender only; other clients and good tokens are served meanwhile', async () => {
    hub = await startTestHub({ trustedProxies: ['127.0.0.1'], limits: { authFailureBurst: 20, authFailuresPerMinute: 6 } });
    proxy = await startReverseProxy(hub.dir, [hub.port]);
    const url = proxy.url;

    // The attacker forges X-Forwarded-For to be counted as the user: the proxy appends the real peer, and the hub
    // walks from the right, so the forgery is ignored.
    // 200 wrong tokens, 10 at a time (the lockout took 204 in 0.3 s, then 10 a second to keep it).
    const flood = (async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 200; i += 10) {
        const batch = Array.from({ length: 10 }, (_, j) => callFrom(ATTACKER, `${url}/api/me`, 'GET', `wrong-token-${i + j}-0123456789`, undefined, { 'x-forwarded-for': USER }));
        statuses.push(...(await Promise.all(batch)).map((a) => a.status));
      }
      return statuses;
    })();
    const served = await Promise.all([
      callFrom(USER, `${url}/api/approvals?limit=10`, 'GET', tokens.reviewer),
      callFrom(USER, `${url}/api/approvals`, 'POST', tokens.agent, newRequest()),
      callFrom(ATTACKER, `${url}/api/me`, 'GET', tokens.admin),
    ]);
    const statuses = await flood;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(21);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(179);
    expect(served.map((a) => a.status)).toEqual([200, 201, 200]);
    for (const answer of served) expect(answer.ms).toBeLessThan(SERVED_WITHIN_MS);

    // After the flood: the attacker's wrong tokens stay throttled, the user's own mistakes do not.
    expect((await callFrom(ATTACKER, `${url}/api/me`, 'GET', 'wrong-token-again-0123456789')).status).toBe(429);
    expect((await callFrom(USER, `${url}/api/me`, 'GET', 'typo-token-0123456789')).status).toBe(401);
    const after = await callFrom(USER, `${url}/api/me`, 'GET', tokens.reviewer);
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(SERVED_WITHIN_MS);
    console.info(`[limits] proxy (${proxy.kind}): 200 wrong tokens → ${statuses.filter((s) => s === 401).length}×401, ${statuses.filter((s) => s === 429).length}×429; others served in ${served.map((a) => a.ms.toFixed(0)).join(', ')} ms during, ${after.ms.toFixed(0)} ms after`);
    // Socket handshakes through the proxy: the user's connects, the attacker's wrong token is refused rate_limited,
    // and the attacker's own good token still connects.
    expect(await handshake(url, tokens.reviewer, USER)).toBe('connected');
    expect(await handshake(url, 'wrong-token-socket-0123456789', ATTACKER)).toBe('rate_limited');
    expect(await handshake(url, tokens.reviewer2, ATTACKER)).toBe('connected');
  });

  it('without trustedProxies, X-Forwarded-For is ignored: a forged header does not move the sender to another bucket', async () => {
    hub = await startTestHub({ limits: { authFailureBurst: 3, authFailuresPerMinute: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await callFrom(ATTACKER, `${hub.url}/api/me`, 'GET', 'wrong-token-0123456789', undefined, { 'x-forwarded-for': `198.51.100.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect((await callFrom(USER, `${hub.url}/api/me`, 'GET', 'wrong-token-0123456789')).status).toBe(401);
  });

  it('decision-link forgeries have their own bucket: they do not throttle bearer tokens', async () => {
    hub = await startTestHub({ limits: { authFailureBurst: 3, authFailuresPerMinute: 1 } });
    for (let i = 0; i < 10; i++) await callFrom(ATTACKER, `${hub.url}/api/decision-links/forged-link-token-${i}`, 'GET', null);
    expect((await callFrom(ATTACKER, `${hub.url}/api/decision-links/forged-link-token-x`, 'GET', null)).status).toBe(429);
    // Bearer tokens from the same address are in another bucket: a wrong one is a plain 401, not 429.
    expect((await callFrom(ATTACKER, `${hub.url}/api/me`, 'GET', 'wrong-token-0123456789')).status).toBe(401);
    expect((await callFrom(ATTACKER, `${hub.url}/api/me`, 'GET', tokens.reviewer)).status).toBe(200);
  });

  it('bad Slack signatures have their own bucket too', async () => {
    hub = await startTestHub({
      limits: { authFailureBurst: 3, authFailuresPerMinute: 1 },
      notifications: {
        publicUrl: 'https://hub.example.com',
        channels: [{ name: 'slack', kind: 'slack', botToken: 'xoxb-test-bot-token', signingSecret: 'a-slack-signing-secret-0123456789', channel: 'C0APPROVALS', users: [{ slackUserId: 'U0ALICE', reviewer: 'alice' }] }],
        routes: [{ match: {}, channels: ['slack'] }],
      },
    });
    const press = () => callFrom(ATTACKER, `${hub!.url}/api/slack/interactions`, 'POST', null, undefined, { 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=deadbeef' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await press()).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await callFrom(ATTACKER, `${hub.url}/api/me`, 'GET', 'wrong-token-0123456789')).status).toBe(401);
    expect((await callFrom(ATTACKER, `${hub.url}/api/decision-links/forged-link-token`, 'GET', null)).status).toBe(401);
  });
});
