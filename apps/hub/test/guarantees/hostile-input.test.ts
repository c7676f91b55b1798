import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Namespace, socketEventList, type ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { RejectionAuditor } from '../../src/audit/rejection-audit.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { socketEvents } from '../support/fuzz-payloads.js';
import { runFuzz } from '../support/fuzz-runner.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';
import { allAudit, allRequests, api, emitAck, newRequest, startTestHub, tokens, undeliveredIds, type TestHub, onPostgres } from '../support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

/** No input, however malformed, pollutes the hub's own objects. */
function prototypesUntouched() {
  const probe = {} as Record<string, unknown>;
  return probe.polluted === undefined && Object.getOwnPropertyNames(Object.prototype).every((name) => name !== 'polluted');
}

describe('hostile input: malformed payloads on every event and REST route', () => {
  it('fuzzes every command of the event table', () => {
    const commands = socketEventList()
      .filter((e) => e.direction === 'clientToServer')
      .map((e) => `${Namespace[e.namespace]} ${e.name}`);
    expect(socketEvents.map((s) => `${s.nsp} ${s.event}`).sort(), 'add the new command to fuzz-payloads.ts').toEqual(commands.sort());
  });

  it('answers each of more than 10,000 malformed payloads invalid_payload, writes nothing, and audits within bounds', async () => {
    const seed = chaosSeed();
    // Rate limits out of the way: this test is about validation, the flood test about throttling.
    const hub = await startTestHub({ limits: { ratePerSecond: 1_000_000, rateBurst: 1_000_000 } });
    t = hub;
    const report = await runFuzz(hub, seededRandom(seed), { socketExtra: 6500, restExtra: 1200 });
    const sent = report.socketAnswered + report.socketSilent + report.raw + report.rest;
    console.log(
      `[fuzz] seed ${seed}: ${sent} malformed payloads (${report.socketAnswered} socket events with ack, ${report.socketSilent} without, ` +
        `${report.raw} raw frames of which ${report.rawClosed} closed the connection, ${report.rest} REST calls) in ${report.durationMs} ms; ` +
        `${report.failures.length} answered otherwise`,
    );
    expect(report.failures.slice(0, 20), `seed ${seed}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(10_000);

    // Nothing written: no request, no decision, no delivery; only rejection rows in the audit log.
    expect(await allRequests(hub.store)).toHaveLength(0);
    expect(await undeliveredIds(hub.store, 'test-agent')).toHaveLength(0);
    const audit = await allAudit(hub.store);
    expect([...new Set(audit.map((e) => e.type))]).toEqual(['input_rejected']);
    expect(prototypesUntouched()).toBe(true);

    // Audited, but rate-limited per sender: at most 10 rows at once, refilled at 10 a minute.
    const counts = new Map<string, number>();
    for (const e of audit) counts.set(String((e.actor as { id?: string }).id), (counts.get(String((e.actor as { id?: string }).id)) ?? 0) + 1);
    const perSender = [...counts].map(([actor, n]) => ({ actor, n })).sort((a, b) => a.actor.localeCompare(b.actor));
    const bound = 10 + Math.ceil(report.durationMs / 6000);
    expect(perSender.map((r) => r.actor)).toEqual(['alice', 'test-agent']);
    for (const row of perSender) expect(row.n).toBeLessThanOrEqual(bound);
    expect(audit[0]!.data).toMatchObject({ code: 'invalid_payload', channel: expect.stringMatching(/^\/(agent|reviewer) /) });
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ status: 200, body: { ok: true } });

    // Still serving, and a well-formed request still works.
    const ok = await emitAck<ApprovalRecord>(hub.connectAgent(), 'approval.request', newRequest());
    expect(ok.ok).toBe(true);
  }, 120_000);

  // A SQLite hub (its own process, or the store opened directly): run once, in the SQLite project.
  it.skipIf(onPostgres)('counts the rejections it did not write into the next row it writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-rejections-'));
    const dbPath = path.join(dir, 'hub.db');
    let now = 1_000_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const store = await openSqliteStore({ path: dbPath, durability: 'normal' });
    const auditor = new RejectionAuditor(store, createLogger('silent'), { now: () => Date.now() });
    const reject = () => auditor.record({ actor: { kind: 'agent', id: 'noisy', name: 'noisy' }, key: 'noisy', channel: '/agent approval.request', code: 'invalid_payload', message: 'bad' });
    for (let i = 0; i < 1000; i++) reject();
    now += 6_000; // one token back (10 a minute)
    reject();
    await new Promise((r) => setTimeout(r, 50));
    const rows = await allAudit(store, { type: ['input_rejected'] });
    expect(rows).toHaveLength(11);
    expect(rows[10]!.data).toMatchObject({ suppressedSinceLast: 990 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
