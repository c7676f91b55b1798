import type { ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRacers, raceConfig, raceDecisions } from '../support/decision-race.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';
import { allRequests, api, collect, connected, emitAck, eventually, newRequest, startTestHub, timelineTypes, TestClock, tokens, type TestHub } from '../support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const seed = chaosSeed();

describe('chaos: races and a wandering clock', () => {
  it('300 races of 2 to 20 reviewers, over both transports: always one decision, every attempt audited', async () => {
    t = await startTestHub(raceConfig, { clock: new TestClock() });
    const rng = seededRandom(seed);
    const agent = t.connectAgent();
    const sockets = await connectRacers(t, 20);
    const problems: string[] = [];
    for (let round = 0; round < 300; round++) {
      const count = rng.int(2, 20);
      const result = await raceDecisions(t, agent, sockets, count, rng, rng.chance(0.5));
      problems.push(...result.problems.map((p) => `round ${round} (${count} reviewers): ${p}`));
    }
    console.log(`[chaos races] seed ${seed}: 300 races, ${problems.length} problems`);
    expect(problems.slice(0, 20), `replay with CHAOS_SEED=${seed}`).toEqual([]);
    expect(await api(t, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
  });

  it('decisions, cancels and the deadline timer racing around each deadline while the clock jumps back and forth', async () => {
    const clock = new TestClock();
    t = await startTestHub({ limits: { ratePerSecond: 10_000, rateBurst: 10_000 } }, { clock });
    const hub = t;
    const rng = seededRandom(seed + 1);
    const agent = hub.connectAgent();
    const reviewer = hub.connectReviewer();
    await Promise.all([connected(agent), connected(reviewer)]);
    const heard = collect<ApprovalResponse>(agent, 'approval.response');
    const ids: string[] = [];
    const base = clock.now();
    for (let step = 0; step < 400; step++) {
      const roll = rng.next();
      if (roll < 0.3) {
        const input = newRequest({ timeoutMs: rng.int(1000, 20_000) });
        const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
        if (ack.ok) ids.push(input.requestId);
      } else if (roll < 0.55) {
        const pending = (await allRequests(hub.store)).filter((r) => r.status === 'pending');
        if (pending.length === 0) continue;
        const record = rng.pick(pending);
        const id = record.requestId;
        // Put the clock right at the deadline, give or take a millisecond, and race the timer with a decision or a cancel.
        clock.set(Date.parse(record.expiresAt) + rng.int(-1, 1));
        await Promise.all([
          hub.hub.engine.expireDue(),
          rng.chance(0.7) ? emitAck(reviewer, 'approval.response', { requestId: id, approved: rng.chance(0.5) }) : emitAck(agent, 'approval.cancel', { requestId: id }),
        ]);
      } else if (roll < 0.8) {
        // A wall clock corrected either way: mostly by seconds, now and then by up to an hour.
        clock.advance(rng.chance(0.8) ? rng.int(-5_000, 5_000) : rng.int(-3_600_000, 3_600_000));
        await new Promise((r) => setTimeout(r, rng.int(0, 5)));
      } else {
        await hub.hub.engine.expireDue();
      }
    }
    clock.set(Math.max(clock.now(), base) + 10 * 3_600_000);
    await hub.hub.engine.expireDue();
    await eventually(async () => heard.length >= ids.length - (await allRequests(hub.store)).filter((r) => r.status === 'cancelled').length, 5000);

    const rows = await allRequests(hub.store);
    const problems: string[] = [];
    for (const row of rows) {
      const finals = (await timelineTypes(hub.store, row.requestId)).filter((type) => type === 'decided' || type === 'expired' || type === 'cancelled').length;
      if (finals !== 1) problems.push(`${row.requestId}: ${finals} final audit rows`);
      if (row.status === 'pending') problems.push(`${row.requestId}: still pending`);
      const decision = row.decision ?? null;
      if (row.status === 'expired' && decision && Date.parse(decision.decidedAt) < Date.parse(row.expiresAt)) {
        problems.push(`${row.requestId}: recorded as expired at ${decision.decidedAt}, before its deadline ${row.expiresAt}`);
      }
      const deliveries = heard.filter((r) => r.requestId === row.requestId).length;
      if (row.status !== 'cancelled' && deliveries !== 1) problems.push(`${row.requestId}: the agent heard ${deliveries} decisions`);
    }
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    console.log(`[chaos clock] seed ${seed + 1}: ${rows.length} requests ${JSON.stringify(byStatus)}, ${problems.length} problems`);
    expect(problems.slice(0, 20), `replay with CHAOS_SEED=${seed}`).toEqual([]);
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
  });
});
