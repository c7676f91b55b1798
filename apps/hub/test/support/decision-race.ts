import { isDeepStrictEqual } from 'node:util';
import type { Ack, ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import type { HubConfigInput } from '../../src/config.js';
import type { Random } from './seeded-random.js';
import { allAudit, api, collect, connected, defaultTokens, emitAck, eventually, newRequest, type AgentSocket, type ReviewerSocket, type TestHub } from './test-hub.js';

/** Twenty reviewer tokens besides the usual ones, so up to twenty distinct people can race. */
export const racingReviewers = Array.from({ length: 20 }, (_, i) => ({ token: `racing-reviewer-${i}-0123456789`, id: `racer-${i}`, name: `Racer ${i}` }));
export const raceConfig: HubConfigInput = {
  tokens: [...defaultTokens, ...racingReviewers.map((r) => ({ token: r.token, role: 'reviewer' as const, name: r.name, id: r.id }))],
  limits: { ratePerSecond: 10_000, rateBurst: 10_000 },
};

export interface RaceResult {
  problems: string[];
}

/**
 * `count` reviewers decide one request in the same tick (some over REST when `mixTransports`), with a mix of approve,
 * deny and edited arguments. Checks: one decision; every loser told `already_decided` with the winner's record;
 * every attempt audited under its reviewer; the agent hears exactly one decision and watching reviewers one `resolved`.
 */
export async function raceDecisions(hub: TestHub, agent: AgentSocket, sockets: ReviewerSocket[], count: number, rng: Random, mixTransports: boolean): Promise<RaceResult> {
  const problems: string[] = [];
  const input = newRequest();
  const heard = collect<ApprovalResponse>(agent, 'approval.response');
  const asked = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
  if (!asked.ok) return { problems: [`request refused: ${asked.error.code}`] };
  const watchers = sockets.slice(0, count);
  const resolvedSeen = watchers.map((w) => collect<ApprovalRecord>(w, 'approval.resolved'));

  const attempts = watchers.map((socket, i) => {
    const body: Record<string, unknown> = { approved: rng.chance(0.6) };
    if (body.approved && rng.chance(0.3)) body.args = { ...input.args, edited_by: racingReviewers[i]!.id };
    if (rng.chance(0.5)) body.reason = `reviewer ${i}`;
    const overRest = mixTransports && rng.chance(0.4);
    return overRest
      ? api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, racingReviewers[i]!.token, body).then(
          (res): Ack<ApprovalRecord> => (res.status === 200 ? { ok: true, data: res.body } : { ok: false, error: res.body.error }),
        )
      : emitAck<ApprovalRecord>(socket, 'approval.response', { requestId: input.requestId, ...body });
  });
  const acks = await Promise.all(attempts);

  const winners = acks.flatMap((a, i) => (a.ok ? [{ i, record: a.data }] : []));
  if (winners.length !== 1) problems.push(`${winners.length} winners among ${count}`);
  const winner = winners[0]?.record;
  for (const [i, ack] of acks.entries()) {
    if (ack.ok) continue;
    if (ack.error.code !== 'already_decided') problems.push(`reviewer ${i} got ${ack.error.code}`);
    else if (!isDeepStrictEqual(ack.error.details, winner)) problems.push(`reviewer ${i} was not told the winning record`);
  }
  const rows = (await allAudit(hub.store, { type: ['decided', 'decision_rejected'], requestId: input.requestId })).map((e) => ({ type: e.type, actor: (e.actor as { id?: string }).id ?? '' }));
  if (rows.filter((r) => r.type === 'decided').length !== 1) problems.push(`${rows.filter((r) => r.type === 'decided').length} 'decided' audit rows`);
  const audited = rows.map((r) => r.actor).sort();
  const expected = watchers.map((_, i) => racingReviewers[i]!.id).sort();
  if (JSON.stringify(audited) !== JSON.stringify(expected)) problems.push(`attempts audited for ${audited.join(',')}, expected ${expected.join(',')}`);
  const stored = await hub.record(input.requestId);
  if (winner && stored && !isDeepStrictEqual(stored.decision, winner.decision)) problems.push('the store holds another decision than the winner');

  await eventually(() => heard.length >= 1 && resolvedSeen.every((seen) => seen.length >= 1), 5000).catch(() => problems.push('a decision or announcement never arrived'));
  await new Promise((r) => setTimeout(r, 30));
  if (heard.length !== 1) problems.push(`the agent heard ${heard.length} decisions`);
  else if (winner && (heard[0]!.decidedAt !== winner.decision!.decidedAt || heard[0]!.approved !== winner.decision!.approved)) problems.push('the agent heard another decision than the winner');
  resolvedSeen.forEach((seen, i) => {
    if (seen.filter((r) => r.requestId === input.requestId).length !== 1) problems.push(`watcher ${i} saw ${seen.length} resolutions`);
  });
  agent.off('approval.response');
  for (const w of watchers) w.off('approval.resolved');
  return { problems };
}

/** Connects `count` racing reviewers, each subscribed to every queue. */
export async function connectRacers(hub: TestHub, count: number): Promise<ReviewerSocket[]> {
  const sockets = racingReviewers.slice(0, count).map((r) => hub.connectReviewer(r.token));
  await Promise.all(sockets.map(connected));
  await Promise.all(sockets.map((s) => emitAck(s, 'queue.subscribe', {})));
  return sockets;
}
