import type { ApprovalRecord } from '@approval-hub/protocol';
import { grantMatchFor } from '@approval-hub/protocol';
import { describe, expect, it } from 'vitest';
import { grantInputOf, initialGrantForm } from '../src/domain/grantForm';
import { describeMatch } from '../src/domain/grantText';
import { argsToRun, proposalOf } from '../src/domain/proposal';
import { KEY_HELD_REASON, keyDecisionBlocked } from '../src/keyboard/shortcuts';
import { DECISION_DWELL_MS, JUST_SHOWN_REASON } from '../src/store/reviewSlice';
import { ME, T0, decided, iso, pending, syncedStore } from './fixtures';

const DIGEST_A = 'A'.repeat(43);
const DIGEST_B = 'B'.repeat(43);
const proposal = (args: ApprovalRecord['args'], by = { id: 'rev-2', name: 'Bob' }) => ({ args, argsDigest: DIGEST_B, proposedBy: by, proposedAt: iso(T0) });

function shown(records: ApprovalRecord[]) {
  const ctx = syncedStore(records);
  const first = records[0]!;
  ctx.store.getState().select(first.requestId);
  ctx.store.getState().beginReview(first.requestId);
  return { ...ctx, s: () => ctx.store.getState() };
}

describe('decisions act only on what was seen', () => {
  it('no decision within the dwell after the detail renders; both approve and deny after it', () => {
    const a = pending({ risk: 'low' });
    const { s, clock } = shown([a]);
    expect(s().checkDecidable(a.requestId)).toEqual({ ok: false, reason: JUST_SHOWN_REASON });
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'blocked', reason: JUST_SHOWN_REASON });
    clock.advance(DECISION_DWELL_MS - 1);
    expect(s().checkDecidable(a.requestId).ok).toBe(false);
    clock.advance(1);
    expect(s().checkDecidable(a.requestId).ok).toBe(true);
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'send' });
  });

  it('after an own decision, the next request (moved to by the console) waits for its own dwell: a second press 150 ms later does nothing', () => {
    const a = pending({ risk: 'low' });
    const b = pending({ risk: 'low', createdMs: T0 + 1 });
    const { s, clock } = shown([a, b]);
    clock.advance(DECISION_DWELL_MS);
    expect(s().startDecision(a.requestId, 'approve', null).ok).toBe(true);
    s().settleDecision(a.requestId, { type: 'ack', ack: { ok: true, data: decided(a, 'approved', { kind: 'reviewer', id: ME.id, name: ME.name }) } });
    expect(s().selectedId).toBe(b.requestId);
    expect(s().selectedBy).toBe('console');
    s().beginReview(b.requestId); // the detail renders the next request
    clock.advance(150);
    expect(s().approvalStep(b.requestId, 'approve')).toEqual({ kind: 'blocked', reason: JUST_SHOWN_REASON });
    expect(s().checkDecidable(b.requestId).ok).toBe(false);
  });

  it('a request that is not the one on screen is never decided', () => {
    const a = pending();
    const b = pending({ createdMs: T0 + 1 });
    const { s, clock } = shown([a, b]);
    clock.advance(DECISION_DWELL_MS);
    expect(s().checkDecidable(b.requestId)).toMatchObject({ ok: false, reason: expect.stringContaining('Open the request') });
  });

  it('a new proposal while the request is on screen starts the dwell again and disarms a confirmation', () => {
    const a = pending({ risk: 'high', argsDigest: DIGEST_A, quorum: { rule: 'two', required: 2, approvals: [] } });
    const { s, clock } = shown([a]);
    clock.advance(DECISION_DWELL_MS);
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'high' });
    s().applyEvents([{ type: 'updated', record: { ...a, proposal: proposal({ command: 'rm -rf /' }) } }]);
    // Not rendered yet: what would run differs from what the detail showed.
    expect(s().checkDecidable(a.requestId)).toMatchObject({ ok: false, reason: expect.stringContaining('just changed') });
    s().beginReview(a.requestId);
    expect(s().confirming).toBeNull();
    expect(s().checkDecidable(a.requestId)).toEqual({ ok: false, reason: JUST_SHOWN_REASON });
    clock.advance(DECISION_DWELL_MS);
    expect(s().checkDecidable(a.requestId).ok).toBe(true);
  });

  it('a key press that began before the console moved the selection never decides the request it moved to', () => {
    expect(keyDecisionBlocked({ selectedBy: 'console', selectedAt: 1000 }, 900)).toBe(KEY_HELD_REASON);
    expect(keyDecisionBlocked({ selectedBy: 'console', selectedAt: 1000 }, Number.NEGATIVE_INFINITY)).toBe(KEY_HELD_REASON);
    expect(keyDecisionBlocked({ selectedBy: 'console', selectedAt: 1000 }, 1100)).toBeNull();
    expect(keyDecisionBlocked({ selectedBy: 'reviewer', selectedAt: 1000 }, 900)).toBeNull();
  });
});

describe('a risk confirmation belongs to the action pressed', () => {
  it('high risk: arming "allow similar" does not let Approve (or a) send, and the reverse', () => {
    const a = pending({ risk: 'high' });
    const { s, clock } = shown([a]);
    clock.advance(DECISION_DWELL_MS);
    expect(s().approvalStep(a.requestId, 'grant')).toEqual({ kind: 'confirm', level: 'high' });
    expect(s().confirming).toEqual({ requestId: a.requestId, level: 'high', action: 'grant' });
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'high' });
    expect(s().confirming?.action).toBe('approve');
    expect(s().approvalStep(a.requestId, 'grant')).toEqual({ kind: 'confirm', level: 'high' });
    expect(s().approvalStep(a.requestId, 'grant')).toEqual({ kind: 'send' });
  });

  it('critical: the typed name confirms only the action it was typed for', () => {
    const a = pending({ risk: 'critical', toolName: 'drop_db' });
    const { s, clock } = shown([a]);
    clock.advance(DECISION_DWELL_MS);
    expect(s().approvalStep(a.requestId, 'edit')).toEqual({ kind: 'confirm', level: 'critical' });
    expect(s().approvalStep(a.requestId, 'grant', 'drop_db')).toEqual({ kind: 'confirm', level: 'critical' });
    expect(s().approvalStep(a.requestId, 'grant', 'drop_db')).toEqual({ kind: 'send' });
  });

  it('"allow similar" that succeeds says what was allowed', () => {
    const a = pending({ toolName: 'read_report', agentName: 'ops' });
    const b = pending({ createdMs: T0 + 1 });
    const { s } = shown([a, b]);
    s().startDecision(a.requestId, 'grant', null, 'Allow “read_report” by agent “agent-ops” in queue “default”, for 1 hour');
    s().settleDecision(a.requestId, { type: 'ack', ack: { ok: true, data: decided(a, 'approved', { kind: 'reviewer', id: ME.id, name: ME.name }) } });
    expect(s().notices.at(-1)?.text).toBe('Approved read_report from ops and allowed similar calls: Allow “read_report” by agent “agent-ops” in queue “default”, for 1 hour.');
  });
});

describe('the proposal that will run', () => {
  it('is the record’s proposal, else the quorum’s edited arguments with their first approver', () => {
    const a = pending({ args: { to: 'alice' }, proposal: proposal({ to: 'mallory' }) });
    expect(proposalOf(a)).toEqual({ args: { to: 'mallory' }, proposedBy: { id: 'rev-2', name: 'Bob' }, proposedAt: iso(T0) });
    expect(argsToRun(a)).toEqual({ to: 'mallory' });
    const old = pending({ args: { to: 'alice' }, quorum: { rule: 'two', required: 2, approvals: [{ id: 'rev-3', name: 'Carol', at: iso(T0) }], args: { to: 'eve' } } });
    expect(proposalOf(old)).toMatchObject({ args: { to: 'eve' }, proposedBy: { id: 'rev-3', name: 'Carol' } });
    expect(proposalOf(pending({ args: { to: 'alice' } }))).toBeNull();
    expect(argsToRun(pending({ args: { to: 'alice' } }))).toEqual({ to: 'alice' });
  });
});

describe('agent text is never a pattern in the grant form', () => {
  it('an end user "*" stays exactly "*" unless the reviewer chooses anyone', () => {
    const a = pending({ toolName: 'pay', args: { amount: 5 }, onBehalfOf: '*' });
    const form = initialGrantForm(a);
    const { grant, literal, problem } = grantInputOf(form, a);
    expect(problem).toBeNull();
    expect(grant.match).toBeUndefined();
    expect(describeMatch('allow', grantMatchFor(a, grant.match), 'default', literal)).toContain('on behalf of exactly “*”');
    const anyone = grantInputOf({ ...form, onBehalfOf: { kind: 'anyone' } }, a);
    expect(anyone.grant.match).toEqual({ onBehalfOf: '*' });
    expect(describeMatch('allow', grantMatchFor(a, anyone.grant.match), 'default', anyone.literal)).toContain('on behalf of anyone');
  });

  it('a pattern starts empty and must be typed; challenge values with "*" are sent as exact text', () => {
    const a = pending({ args: { path: '/tmp/*' }, challenges: [{ actions: ['tool:fs:read'], resources: ['*'] }] });
    const form = initialGrantForm(a);
    expect(grantInputOf({ ...form, args: { path: { kind: 'glob', pattern: '' } } }, a).problem).toContain('type the pattern for path');
    const byChallenges = grantInputOf({ ...form, byChallenges: true }, a);
    expect(byChallenges.problem).toBeNull();
    expect(byChallenges.grant.match).toEqual({ actions: ['tool:fs:read'], resources: [{ equals: '*' }] });
    expect(describeMatch('allow', grantMatchFor(a, byChallenges.grant.match), 'default', byChallenges.literal)).toContain('on exactly “*”');
    const typed = grantInputOf({ ...form, byChallenges: true, resources: { kind: 'pattern', text: '/srv/*' } }, a);
    expect(typed.problem).toBeNull();
    expect(typed.grant.match).toEqual({ actions: ['tool:fs:read'], resources: ['/srv/*'] });
  });
});
