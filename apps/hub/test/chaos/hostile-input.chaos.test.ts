import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runFuzz } from '../support/fuzz-runner.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';
import { allAudit, allRequests, api, emitAck, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('chaos: a long fuzzing run', () => {
  it('answers more than 100,000 malformed payloads invalid_payload and writes nothing', async () => {
    const seed = chaosSeed();
    const hub = await startTestHub({ limits: { ratePerSecond: 1_000_000, rateBurst: 1_000_000 } });
    t = hub;
    const rng = seededRandom(seed);
    let sent = 0;
    const failures: string[] = [];
    const started = Date.now();
    // Several passes with fresh random combinations; the deterministic cases repeat, which is fine.
    for (let pass = 0; pass < 5; pass++) {
      const report = await runFuzz(hub, rng, { socketExtra: 15_000, restExtra: 5_000 });
      sent += report.socketAnswered + report.socketSilent + report.raw + report.rest;
      failures.push(...report.failures);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`[chaos fuzz] seed ${seed}: ${sent} malformed payloads in ${seconds.toFixed(1)} s, ${failures.length} answered otherwise`);
    expect(failures.slice(0, 20), `replay with CHAOS_SEED=${seed}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(await allRequests(hub.store)).toHaveLength(0);
    const audit = await allAudit(hub.store);
    expect([...new Set(audit.map((e) => e.type))]).toEqual(['input_rejected']);
    const perSender = new Map<string, number>();
    for (const e of audit) perSender.set(String((e.actor as { id?: string }).id), (perSender.get(String((e.actor as { id?: string }).id)) ?? 0) + 1);
    for (const n of perSender.values()) expect(n).toBeLessThanOrEqual(10 + Math.ceil(seconds / 6));
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
    expect((await emitAck<ApprovalRecord>(hub.connectAgent(), 'approval.request', newRequest())).ok).toBe(true);
  });
});
