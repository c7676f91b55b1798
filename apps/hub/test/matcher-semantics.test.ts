import { type ApprovalRecord, type Grant, type GrantMatch, grantMatchFor, type Principal } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { argVerdict, strictDecimal } from '../src/engine/arg-matching.js';
import { decidingGrant, grantCovers } from '../src/engine/grant-matching.js';
import { textVerdict } from '../src/engine/patterns.js';
import { escalationRuleFor, quorumRuleFor } from '../src/engine/request-rules.js';
import { effectiveRisk } from '../src/engine/risk-rules.js';
import { recordOf } from './support/matcher-records.js';
import { api, emitAck, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';

const agentPrincipal: Principal = { id: 'test-agent', name: 'Test Agent', role: 'agent', queues: null };
const allow = (match: GrantMatch) => ({ effect: 'allow' as const, match });
const deny = (match: GrantMatch) => ({ effect: 'deny' as const, match });
const base = { agent: 'test-agent', toolName: 'read_file', onBehalfOf: null };

describe('text matchers mean what their preview says', () => {
  it('a path glob never escapes by .., . or repeated separators', () => {
    expect(textVerdict('/tmp/*', '/tmp/a.txt')).toBe('match');
    expect(textVerdict('/tmp/*', '/tmp/dir/a.txt')).toBe('match');
    expect(textVerdict('/tmp/*', '/tmp/../etc/shadow')).toBe('unknown');
    expect(textVerdict('/tmp/*', '/tmp/./a')).toBe('unknown');
    expect(textVerdict('/tmp/*', 'C:\\tmp\\..\\x')).toBe('unknown');
    expect(textVerdict('/tmp/*', '//tmp/x')).toBe('unknown');
    expect(textVerdict('/etc/passwd', '/etc//passwd')).toBe('unknown');
    expect(textVerdict('/tmp/*', '/var/tmp/x')).toBe('no_match');
    // Dots inside names are not path segments.
    expect(textVerdict('/tmp/*', '/tmp/a..b/.x')).toBe('match');
  });

  it('a pattern for one address or host never matches a list', () => {
    expect(textVerdict('*@example.com', 'boss@example.com')).toBe('match');
    for (const list of ['attacker@evil.test, boss@example.com', 'attacker@evil.test;boss@example.com', 'attacker@evil.test boss@example.com', 'attacker@evil.test\nboss@example.com', 'a@evil.test\u2028boss@example.com']) {
      expect(textVerdict('*@example.com', list), JSON.stringify(list)).toBe('unknown');
    }
    expect(textVerdict('*.example.com', 'evil.test,api.example.com')).toBe('unknown');
    // A separator the reviewer wrote in the pattern is allowed: a folder name with a space.
    expect(textVerdict('/home/ann/My Documents/*', '/home/ann/My Documents/a b.txt')).toBe('match');
    expect(textVerdict('/home/ann/My Documents/*', '/home/ann/My Documents/a,/etc/passwd')).toBe('unknown');
  });

  it('a literal is its own text, * included; only * alone is anything', () => {
    expect(textVerdict({ equals: '*' }, '*')).toBe('match');
    expect(textVerdict({ equals: '*' }, 'bob')).toBe('no_match');
    expect(textVerdict({ equals: 'a*b' }, 'axxb')).toBe('no_match');
    expect(textVerdict({ equals: '/tmp//a' }, '/tmp/a')).toBe('unknown');
    expect(textVerdict('*', 'Ann Smith, Bob')).toBe('match');
    expect(textVerdict('a*b', 'axxb')).toBe('match');
    expect(textVerdict('x', undefined)).toBe('unknown');
  });
});

describe('argument matchers', () => {
  it('ranges read plain numeric strings for protective rules, strictly', () => {
    expect(argVerdict({ gte: 1000 }, '5000', 'protective')).toBe('match');
    expect(argVerdict({ gte: 1000 }, '999.99', 'protective')).toBe('no_match');
    expect(argVerdict({ gte: 1000 }, '-5000', 'protective')).toBe('no_match');
    for (const odd of ['0x1388', ' 5000', '5000 ', '5e3', '+5000', '05000', '5_000', '', 'Infinity', 'NaN', '5000.', '.5', '1'.repeat(400)]) {
      expect(strictDecimal(odd), odd).toBeUndefined();
      expect(argVerdict({ gte: 1000 }, odd, 'protective'), odd).toBe('unknown');
    }
    // A grant vouches for the JSON it was shown: "50" is not 50.
    expect(argVerdict({ gte: 10, lte: 100 }, '50', 'permissive')).toBe('unknown');
    expect(argVerdict({ gte: 10, lte: 100 }, 50, 'permissive')).toBe('match');
  });

  it('absent values and wrong types cannot be evaluated; { any } takes anything', () => {
    expect(argVerdict({ gte: 1 }, undefined, 'protective')).toBe('unknown');
    expect(argVerdict({ gte: 1 }, true, 'protective')).toBe('unknown');
    expect(argVerdict({ glob: '/tmp/*' }, 5, 'protective')).toBe('unknown');
    expect(argVerdict({ equals: 'prod' }, ['prod'], 'protective')).toBe('unknown');
    expect(argVerdict({ equals: 5000 }, '5000', 'protective')).toBe('match');
    expect(argVerdict({ equals: 5000 }, '5000', 'permissive')).toBe('unknown');
    expect(argVerdict({ equals: 'prod' }, 'dev', 'protective')).toBe('no_match');
    expect(argVerdict({ equals: { a: [1, 2] } }, { a: [1, 2] }, 'permissive')).toBe('match');
    expect(argVerdict({ any: true }, undefined, 'permissive')).toBe('match');
  });
});

describe('the fail direction: protective rules apply to what they cannot read, permissive ones do not match it', () => {
  const config = parseConfig({
    port: 0,
    demo: { enabled: false },
    queues: [{ name: 'default' }, { name: 'ops' }],
    approval: {
      quorum: [{ rule: 'big-payments', match: { toolName: 'send_payment', args: { amount: { gte: 1000 } } }, approvals: 2 }],
      escalation: [{ rule: 'etc to ops', match: { args: { path: { glob: '/etc/*' } } }, afterMs: 1000, toQueue: 'ops' }],
      risk: [{ rule: 'prod is critical', match: { toolName: 'delete_*', args: { namespace: 'prod' } }, risk: 'critical' }],
    },
  }).approval;
  const payment = (amount?: unknown) => recordOf({ toolName: 'send_payment', args: amount === undefined ? { to: 'acme' } : { to: 'acme', amount: amount as string } });

  it('quorum', () => {
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment(5000))?.rule).toBe('big-payments');
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment('5000'))?.rule).toBe('big-payments');
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment('0x1388'))?.rule).toBe('big-payments');
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment())?.rule).toBe('big-payments');
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment('500'))).toBeUndefined();
    expect(quorumRuleFor(config.quorum, agentPrincipal, payment(500))).toBeUndefined();
  });

  it('escalation', () => {
    const at = (path: string) => escalationRuleFor(config.escalation, agentPrincipal, recordOf({ args: { path } }))?.rule;
    expect(at('/etc/shadow')).toBe('etc to ops');
    expect(at('/tmp/../etc/shadow')).toBe('etc to ops');
    expect(at('/etc//shadow')).toBe('etc to ops');
    expect(at('/tmp/a')).toBeUndefined();
  });

  it('risk raises', () => {
    const risk = (args: Record<string, string>) => effectiveRisk(config.risk, agentPrincipal, recordOf({ toolName: 'delete_pod', args }), 'low').risk;
    expect(risk({ namespace: 'prod' })).toBe('critical');
    expect(risk({ namespace: 'prod, dev' })).toBe('critical');
    expect(risk({ name: 'web' })).toBe('critical');
    expect(risk({ namespace: 'dev' })).toBe('low');
  });

  it('deny grants catch what allow grants refuse', () => {
    const etc: GrantMatch = { ...base, args: { path: { glob: '/etc/*' } } };
    const tmp: GrantMatch = { ...base, args: { path: { glob: '/tmp/*' } } };
    const escapingPath = recordOf({ args: { path: '/tmp/../etc/shadow' } });
    expect(grantCovers(deny(etc), escapingPath)).toBe(true);
    expect(grantCovers(allow(tmp), escapingPath)).toBe(false);
    // A deny grant also covers the same call with extra arguments; an allow grant must vouch for every argument.
    expect(grantCovers(deny(etc), recordOf({ args: { path: '/etc/passwd', force: true } }))).toBe(true);
    expect(grantCovers(allow(tmp), recordOf({ args: { path: '/tmp/a', force: true } }))).toBe(false);
  });

  it('challenges: an allow grant needs every one covered, a deny grant any one', () => {
    const challenges = { actions: ['tool:file:*'], resources: ['/etc/*'] };
    const mixed = recordOf({ challenges: [{ actions: ['tool:file:read'], resources: ['/tmp/a', '/etc/passwd'] }] });
    expect(grantCovers(deny({ ...base, challenges }), mixed)).toBe(true);
    expect(grantCovers(allow({ ...base, challenges }), mixed)).toBe(false);
    expect(grantCovers(deny({ ...base, challenges }), recordOf())).toBe(true);
    expect(grantCovers(allow({ ...base, challenges }), recordOf())).toBe(false);
    expect(grantCovers(deny({ ...base, challenges }), recordOf({ challenges: [{ actions: ['tool:file:read'], resources: ['/tmp/a'] }] }))).toBe(false);
  });
});

describe('agent text is never a pattern', () => {
  it('grant defaults hold the agent’s own onBehalfOf, actions and resources literally', () => {
    const record = recordOf({ onBehalfOf: '*', challenges: [{ actions: ['tool:file:read', 'tool:*'], resources: ['*', '/tmp/a'] }] });
    const match = grantMatchFor(record, { actions: ['tool:file:*'] });
    expect(match).toEqual({ agent: 'test-agent', toolName: 'read_file', onBehalfOf: { equals: '*' }, challenges: { actions: ['tool:file:*'], resources: [{ equals: '*' }, '/tmp/a'] } });
    expect(grantMatchFor(record, { resources: ['/tmp/*'] }).challenges?.actions).toEqual(['tool:file:read', { equals: 'tool:*' }]);
    const grant = allow(match);
    expect(grantCovers(grant, recordOf({ onBehalfOf: '*', challenges: [{ actions: ['tool:file:read'], resources: ['*'] }] }))).toBe(true);
    expect(grantCovers(grant, recordOf({ onBehalfOf: 'bob', challenges: [{ actions: ['tool:file:read'], resources: ['*'] }] }))).toBe(false);
    expect(grantCovers(grant, recordOf({ onBehalfOf: '*', challenges: [{ actions: ['tool:file:read'], resources: ['/etc/passwd'] }] }))).toBe(false);
  });

  it('an argument holding * stays an equals matcher; a reviewer’s explicit glob is a pattern', () => {
    const record = recordOf({ args: { path: '/tmp/*' } });
    const match = grantMatchFor(record);
    expect(match.args).toEqual({ path: { equals: '/tmp/*' } });
    expect(grantCovers(allow(match), recordOf({ args: { path: '/tmp/a' } }))).toBe(false);
    expect(grantCovers(allow(grantMatchFor(record, { args: { path: { glob: '/tmp/*' } } })), recordOf({ args: { path: '/tmp/a' } }))).toBe(true);
  });

  it('a deny grant beats an allow grant when both cover the request', () => {
    const grant = (effect: 'allow' | 'deny', match: GrantMatch) => ({ grantId: `g-${effect}`, effect, queue: 'default', match }) as Grant;
    const grants = [grant('allow', { ...base, args: { path: { any: true } } }), grant('deny', { ...base, args: { path: { glob: '/etc/*' } } })];
    expect(decidingGrant(grants, recordOf({ args: { path: '/tmp/../etc/shadow' } }))?.effect).toBe('deny');
    expect(decidingGrant(grants, recordOf({ args: { path: '/tmp/a' } }))?.effect).toBe('allow');
  });
});

describe('through a real hub', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function ask(hub: TestHub, overrides: Record<string, unknown>): Promise<ApprovalRecord> {
    const res = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest(overrides));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ApprovalRecord;
  }

  async function approveWithGrant(hub: TestHub, requestId: string, grant: Record<string, unknown>): Promise<Grant> {
    const ack = await emitAck<ApprovalRecord>(hub.connectReviewer(), 'approval.response', { requestId, approved: true, grant });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    const res = await api(hub, 'GET', `/api/grants?fromRequestId=${requestId}`, tokens.reviewer);
    const [made] = res.body.items as Grant[];
    expect(made).toBeDefined();
    return made!;
  }

  it('a quorum rule on amount applies to an amount sent as a string', async () => {
    t = await startTestHub({ approval: { quorum: [{ rule: 'big-payments', match: { toolName: 'send_payment', args: { amount: { gte: 1000 } } }, approvals: 2 }] } });
    const payment = (amount: unknown) => ask(t!, { toolName: 'send_payment', args: { to: 'acme', amount } });
    expect((await payment('5000')).quorum).toEqual({ rule: 'big-payments', required: 2, approvals: [] });
    expect((await payment(' 5000')).quorum).toMatchObject({ required: 2 });
    expect((await payment('500')).quorum).toBeUndefined();
    // One reviewer cannot approve the string-amount payment alone.
    const big = await payment('5000');
    const first = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: big.requestId, approved: true });
    expect(first.ok && first.data).toMatchObject({ status: 'pending', quorum: { approvals: [{ id: 'alice' }] } });
  });

  it('a /tmp/* grant does not approve /tmp/../etc/shadow; a deny grant on /etc/* denies it', async () => {
    t = await startTestHub();
    const read = (path: string) => ask(t!, { toolName: 'read_file', args: { path } });
    await approveWithGrant(t, (await read('/tmp/a.txt')).requestId, { match: { args: { path: { glob: '/tmp/*' } } } });
    expect((await read('/tmp/b.txt')).status).toBe('approved');
    expect((await read('/tmp/../etc/shadow')).status).toBe('pending');
    expect((await read('/tmp/./../etc/shadow')).status).toBe('pending');

    const denied = await read('/etc/hosts');
    const ack = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: denied.requestId, approved: false, grant: { match: { args: { path: { glob: '/etc/*' } } } } });
    expect(ack.ok).toBe(true);
    expect((await read('/tmp/../etc/shadow')).status).toBe('denied');
  });

  it('a *@example.com grant does not approve a list of addresses', async () => {
    t = await startTestHub();
    const send = (to: string) => ask(t!, { toolName: 'send_email', args: { to } });
    await approveWithGrant(t, (await send('ann@example.com')).requestId, { match: { args: { to: '*@example.com' } } });
    expect((await send('boss@example.com')).status).toBe('approved');
    expect((await send('attacker@evil.test, boss@example.com')).status).toBe('pending');
    expect((await send('attacker@evil.test;boss@example.com')).status).toBe('pending');
    expect((await send('attacker@evil.test\nboss@example.com')).status).toBe('pending');
  });

  it('an untouched “allow similar” on behalf of "*" stores a literal * and covers no other user', async () => {
    t = await startTestHub();
    const onBehalfOf = (user: string) => ask(t!, { toolName: 'read_file', args: { path: '/home/a' }, onBehalfOf: user });
    const star = await onBehalfOf('*');
    // What the console sends for an untouched form, and the preview it shows from the same protocol function.
    const grant = await approveWithGrant(t, star.requestId, { ttlMs: 3_600_000 });
    expect(grant.match.onBehalfOf).toEqual({ equals: '*' });
    expect(grant.match).toEqual(grantMatchFor(star));
    expect((await onBehalfOf('bob')).status).toBe('pending');
    expect((await onBehalfOf('*')).status).toBe('approved');
  });

  it('a challenge resource "*" defaulted into a grant is literal too', async () => {
    t = await startTestHub();
    const call = (resource: string) => ask(t!, { toolName: 'local_file', args: {}, challenges: [{ actions: ['tool:local_file:read'], resources: [resource] }] });
    const grant = await approveWithGrant(t, (await call('*')).requestId, { match: { actions: ['tool:local_file:*'] } });
    expect(grant.match.challenges).toEqual({ actions: ['tool:local_file:*'], resources: [{ equals: '*' }] });
    expect((await call('/etc/passwd')).status).toBe('pending');
    expect((await call('*')).status).toBe('approved');
  });
});
