import { AgentEvent, Namespace, type ApprovalSyncPage } from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTokens, tokens } from '../support/test-hub.js';
import { startHubProcess, type HubProcess } from './hub-process.js';

/**
 * Issue #24, attack 2: one agent token syncs all its large requests on many sockets at once. Before the page budget,
 * thirty syncs of 1,000 × 60 KB took a hub from 255 MiB to 4.4 GiB and another user's `/api/me` to 18.6 s. Each
 * sync answer is now cut at `limits.maxPageBytes` (4 MiB by default) and one token's syncs run one at a time, so
 * the hub holds about one budget (and its encoded copies) for that token at once. Measured here: ~210 → ~310 MiB,
 * `/api/me` ~100 ms during the flood.
 */
const REQUESTS = 200;
const SYNCS = 30;
const MiB = 1024 * 1024;
/** The stated bound for this flood at the defaults: RSS growth under 256 MiB (it was 4.1 GiB before the budget). */
const RSS_GROWTH_BOUND = 256 * MiB;
const SERVED_WITHIN_MS = 3000;

let hub: HubProcess | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await hub?.close();
  hub = null;
});

function agentSocket(url: string): Promise<Socket> {
  const socket = io(`${url}${Namespace.agent}`, { auth: { token: tokens.agent }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('limits: approval.sync flood', () => {
  it(`${SYNCS} concurrent syncs of ${REQUESTS} × 60 KB requests: RSS grows less than ${RSS_GROWTH_BOUND / MiB} MiB, others are served`, { timeout: 180_000 }, async () => {
    // Only the write budget is raised, to seed the requests quickly; the page budget is the default.
    hub = await startHubProcess({ tokens: defaultTokens, limits: { writeBytesPerMinute: 256 * MiB, ratePerSecond: 1000, rateBurst: 1000 } });
    const url = hub.url;
    const ids: string[] = [];
    const blob = 'q'.repeat(60_000);
    for (let i = 0; i < REQUESTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          fetch(`${url}/api/approvals`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' },
            body: JSON.stringify({ requestId: `flood-${i + j}`, toolName: 'delete_pod', runId: 'run-1', args: { blob, i: i + j } }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { requestId: string } })),
        ),
      );
      for (const answer of batch) {
        expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(201);
        ids.push(answer.body.requestId);
      }
    }
    const connections = await Promise.all(Array.from({ length: SYNCS }, () => agentSocket(url)));
    const quiet = performance.now();
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.reviewer}` } })).status).toBe(200);
    const quietMs = performance.now() - quiet;
    const baseline = hub.rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, hub!.rss());
    }, 20);
    const flood = Promise.all(connections.map((socket) => socket.timeout(120_000).emitWithAck(AgentEvent.sync, { requestIds: ids, paged: true }) as Promise<{ ok: true; data: ApprovalSyncPage }>));
    const started = performance.now();
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.reviewer}` } });
    const meMs = performance.now() - started;
    const answers = await flood;
    clearInterval(sampler);
    peak = Math.max(peak, hub.rss());
    expect(me.status).toBe(200);
    expect(meMs).toBeLessThan(SERVED_WITHIN_MS);
    for (const answer of answers) {
      expect(answer.ok).toBe(true);
      expect(answer.data.remaining.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(JSON.stringify(answer.data.records))).toBeLessThanOrEqual(4 * MiB);
    }
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
    console.info(`[limits] sync flood: RSS ${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB; /api/me ${quietMs.toFixed(0)} ms quiet, ${meMs.toFixed(0)} ms during`);
  });
});
