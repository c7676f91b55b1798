import { PassThrough } from 'node:stream';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { DecisionLinkView, IssuedDecisionLink } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type HubConfigInput } from '../src/config.js';
import { createLogger } from '../src/runtime/logger.js';
import type { ApprovalStore } from '../src/store/store.js';
import { TestClock, api, defaultTokens, interceptStore, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';

const SIGNING_KEY = 'link-signing-key-0123456789-abcdefghij';
const hubs: TestHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

async function hubWith(overrides: HubConfigInput = {}, clock?: TestClock, logger?: ReturnType<typeof createLogger>): Promise<TestHub> {
  const hub = await startTestHub({ decisionLinks: { signingKey: SIGNING_KEY }, ...overrides }, { ...(clock && { clock }), ...(logger && { logger }) });
  hubs.push(hub);
  return hub;
}

/** Applies a new config the way SIGHUP does (the store stays as it is). */
function reload(t: TestHub, overrides: HubConfigInput): void {
  t.hub.reload(parseConfig({ port: 0, dbPath: t.dbPath, tokens: defaultTokens, demo: { enabled: false }, logLevel: 'silent', ...overrides }));
}

async function pending(t: TestHub, overrides: Record<string, unknown> = {}): Promise<ApprovalRecord> {
  const res = await api(t, 'POST', '/api/approvals', tokens.agent, newRequest(overrides));
  expect(res.status).toBe(201);
  return res.body as ApprovalRecord;
}

const linkPath = (token: string) => `/api/decision-links/${token}`;

describe('signed decision links', () => {
  it('decide once: the page reads the request, one POST decides in the reviewer’s name, a second use is refused', async () => {
    const t = await hubWith({ decisionLinks: { signingKey: SIGNING_KEY, publicUrl: 'https://hub.example.com/' } });
    const record = await pending(t, { summary: 'Delete pod web-1', risk: 'high' });
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    expect(link.url).toBe(`https://hub.example.com/d/${link.token}`);
    expect(Date.parse(link.expiresAt)).toBeLessThanOrEqual(Date.parse(record.expiresAt));

    const view = await api(t, 'GET', linkPath(link.token), null);
    expect(view.status).toBe(200);
    const parsed = DecisionLinkView.parse(view.body);
    expect(parsed).toMatchObject({ state: 'open', usable: true, reviewer: { id: 'alice', name: 'Alice' }, record: { requestId: record.requestId, args: record.args, status: 'pending' } });

    const decided = await api(t, 'POST', linkPath(link.token), null, { approved: true, reason: 'looks fine' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decision: { approved: true, reason: 'looks fine', decidedBy: { kind: 'reviewer', id: 'alice', name: 'Alice' } } });
    expect(await t.store.decisionLinkUsed((decodeClaims(link.token) as { jti: string }).jti)).toBe(true);
    // The audit row says how the decision came.
    const timeline = await api(t, 'GET', `/api/audit?requestId=${record.requestId}&type=decided`, tokens.admin);
    expect(timeline.body.items[0]).toMatchObject({ actor: { kind: 'reviewer', id: 'alice' }, data: { approved: true, via: 'decision_link' } });

    const again = await api(t, 'POST', linkPath(link.token), null, { approved: false });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_decided', message: 'This link was already used', details: { status: 'approved' } });
    const after = DecisionLinkView.parse((await api(t, 'GET', linkPath(link.token), null)).body);
    expect(after).toMatchObject({ state: 'used', usable: false, record: { status: 'approved' } });
    expect((await t.record(record.requestId))?.status).toBe('approved');
  });

  it('single use under a race: two POSTs of one link at once, and two reviewers’ links at once, make exactly one decision', async () => {
    const t = await hubWith();
    for (let round = 0; round < 5; round++) {
      const record = await pending(t);
      const link = await t.hub.decisionLinks.issue(record, 'alice');
      const results = await Promise.all([api(t, 'POST', linkPath(link.token), null, { approved: true }), api(t, 'POST', linkPath(link.token), null, { approved: false })]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.status === 200)!.body as ApprovalRecord;
      expect(results.find((r) => r.status === 409)!.body.error).toMatchObject({ code: 'already_decided', details: { status: winner.status } });
      expect((await t.record(record.requestId))?.status).toBe(winner.status);
    }
    const record = await pending(t);
    const [a, b] = await Promise.all([t.hub.decisionLinks.issue(record, 'alice'), t.hub.decisionLinks.issue(record, 'bob')]);
    const results = await Promise.all([api(t, 'POST', linkPath(a.token), null, { approved: true }), api(t, 'POST', linkPath(b.token), null, { approved: true })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const decisions = await api(t, 'GET', `/api/audit?requestId=${record.requestId}&type=decided`, tokens.admin);
    expect(decisions.body.items).toHaveLength(1);
    // The loser's link was never spent: it reads as decided elsewhere.
    const loser = results[0]!.status === 409 ? a : b;
    expect(DecisionLinkView.parse((await api(t, 'GET', linkPath(loser.token), null)).body).state).toBe('decided_elsewhere');
  });

  it('a link spent between the read and the check answers with the decision that spent it, never the stale record', async () => {
    // The interleaving a loaded machine makes: one use of the link reads the request, the other use commits, then the first goes on.
    let afterRead: (() => Promise<void>) | null = null;
    const wrapStore = (store: ApprovalStore): ApprovalStore =>
      interceptStore(store, {
        getRequest: async (real, args) => {
          const read = await real(...args);
          const interleave = afterRead;
          afterRead = null;
          if (interleave) await interleave();
          return read;
        },
      });
    const t = await startTestHub({ decisionLinks: { signingKey: SIGNING_KEY } }, { wrapStore });
    hubs.push(t);
    const record = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    let first: Awaited<ReturnType<typeof api>> | undefined;
    afterRead = async () => {
      first = await api(t, 'POST', linkPath(link.token), null, { approved: false, reason: 'first use' });
    };
    const second = await api(t, 'POST', linkPath(link.token), null, { approved: true });
    expect(first?.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'already_decided', details: { status: 'denied', decision: { reason: 'first use' } } });
    expect((await t.record(record.requestId))?.status).toBe('denied');
  });

  it('a request decided elsewhere shows that decision, and the link then decides nothing', async () => {
    const t = await hubWith();
    const record = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    expect((await api(t, 'POST', `/api/approvals/${record.requestId}/decision`, tokens.reviewer2, { approved: false, reason: 'not today' })).status).toBe(200);
    const view = DecisionLinkView.parse((await api(t, 'GET', linkPath(link.token), null)).body);
    expect(view).toMatchObject({ state: 'decided_elsewhere', usable: false, record: { status: 'denied', decision: { reason: 'not today', decidedBy: { id: 'bob', name: 'Bob' } } } });
    const post = await api(t, 'POST', linkPath(link.token), null, { approved: true });
    expect(post.status).toBe(409);
    expect(post.body.error).toMatchObject({ code: 'already_decided', details: { status: 'denied', decision: { decidedBy: { id: 'bob' } } } });
    expect((await t.record(record.requestId))?.status).toBe('denied');
  });

  it('expiry: a link never outlives the request’s deadline, and after its own expiry it is 410 expired', async () => {
    const clock = new TestClock();
    const t = await hubWith({}, clock);
    const record = await pending(t, { timeoutMs: 600_000 });
    const short = await t.hub.decisionLinks.issue(record, 'alice', { ttlMs: 60_000 });
    const long = await t.hub.decisionLinks.issue(record, 'alice', { ttlMs: 86_400_000 });
    expect(Date.parse(short.expiresAt)).toBeLessThanOrEqual(clock.now() + 60_000);
    expect(Date.parse(long.expiresAt)).toBeLessThanOrEqual(Date.parse(record.expiresAt));
    clock.advance(61_000);
    const view = await api(t, 'GET', linkPath(short.token), null);
    expect(view.status).toBe(410);
    expect(view.body.error.code).toBe('expired');
    expect((await api(t, 'POST', linkPath(short.token), null, { approved: true })).status).toBe(410);
    expect((await t.record(record.requestId))?.status).toBe('pending');
    // The other link still works until the deadline.
    expect(DecisionLinkView.parse((await api(t, 'GET', linkPath(long.token), null)).body).state).toBe('open');
    clock.advance(600_000);
    expect((await api(t, 'POST', linkPath(long.token), null, { approved: true })).status).toBe(410);
    await expect(t.hub.decisionLinks.issue(record, 'alice')).rejects.toThrow();
  });

  it('revoking or replacing the reviewer’s token voids every link of that reviewer, and only theirs', async () => {
    const t = await hubWith();
    const record = await pending(t);
    const alice = await t.hub.decisionLinks.issue(record, 'alice');
    const bob = await t.hub.decisionLinks.issue(record, 'bob');
    reload(t, { decisionLinks: { signingKey: SIGNING_KEY }, tokens: defaultTokens.map((x) => (x.token === tokens.reviewer ? { ...x, token: 'alice-new-token-0123456789' } : x)) });
    const replaced = await api(t, 'GET', linkPath(alice.token), null);
    expect(replaced.status).toBe(401);
    expect(replaced.body.error.code).toBe('unauthorized');
    expect((await api(t, 'GET', linkPath(bob.token), null)).status).toBe(200);
    reload(t, { decisionLinks: { signingKey: SIGNING_KEY }, tokens: defaultTokens.filter((x) => x.token !== tokens.reviewer) });
    expect((await api(t, 'POST', linkPath(alice.token), null, { approved: true })).status).toBe(401);
    expect((await t.record(record.requestId))?.status).toBe('pending');
    await expect(t.hub.decisionLinks.issue(record, 'alice')).rejects.toThrow(/No reviewer/);
  });

  it('changing the signing key voids every link; without a configured key the one kept in the database signs them', async () => {
    const t = await hubWith({ decisionLinks: {} });
    const record = await pending(t);
    const stored = await t.hub.decisionLinks.issue(record, 'alice');
    expect((await api(t, 'GET', linkPath(stored.token), null)).status).toBe(200);
    reload(t, { decisionLinks: { signingKey: SIGNING_KEY } });
    expect((await api(t, 'GET', linkPath(stored.token), null)).status).toBe(401);
    const configured = await t.hub.decisionLinks.issue(record, 'alice');
    expect((await api(t, 'GET', linkPath(configured.token), null)).status).toBe(200);
    reload(t, { decisionLinks: { signingKey: `${SIGNING_KEY}-rotated` } });
    expect((await api(t, 'POST', linkPath(configured.token), null, { approved: true })).status).toBe(401);
    expect((await t.record(record.requestId))?.status).toBe('pending');
  });

  it('forged tokens are 401: tampered claims, another reviewer’s name, alg none, garbage', async () => {
    const t = await hubWith();
    const record = await pending(t);
    const other = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    const [header, payload, signature] = link.token.split('.') as [string, string, string];
    const claims = decodeClaims(link.token);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forgeries = [
      `${header}.${encode({ ...claims, rid: other.requestId })}.${signature}`,
      `${header}.${encode({ ...claims, sub: 'bob' })}.${signature}`,
      `${header}.${encode({ ...claims, exp: (claims.exp as number) + 3600 })}.${signature}`,
      `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.AAAA`,
      `${header}.${payload}.${Buffer.alloc(32).toString('base64url')}`,
      'not-a-token-at-all-0123456789',
      'a.b.c',
    ];
    for (const forged of forgeries) {
      const get = await api(t, 'GET', linkPath(forged), null);
      expect([get.status, forged]).toEqual([401, forged]);
      expect((await api(t, 'POST', linkPath(forged), null, { approved: true })).status).toBe(401);
    }
    expect((await t.record(record.requestId))?.status).toBe('pending');
    expect((await t.record(other.requestId))?.status).toBe('pending');
    // A bearer token is no way in either: the link is the only credential these routes take.
    expect((await api(t, 'GET', linkPath('a.b.c'), tokens.admin)).status).toBe(401);
  });

  it('arguments changed since the link was issued: the page says so, the signed digest approves nothing, only the shown one does', async () => {
    const t = await hubWith();
    const record = await pending(t);
    // Issued for arguments other than the stored ones (as if they had changed after the message was sent).
    const link = await t.hub.decisionLinks.issue({ ...record, args: { name: 'web-1', namespace: 'staging' } }, 'alice');
    const view = DecisionLinkView.parse((await api(t, 'GET', linkPath(link.token), null)).body);
    expect(view).toMatchObject({ state: 'args_changed', usable: true, record: { argsDigest: record.argsDigest } });
    const post = await api(t, 'POST', linkPath(link.token), null, { approved: true });
    expect(post.status).toBe(409);
    expect(post.body.error).toMatchObject({ code: 'proposal_changed', details: { argsDigest: record.argsDigest } });
    expect((await t.record(record.requestId))?.status).toBe('pending');
    expect(await t.store.decisionLinkUsed((decodeClaims(link.token) as { jti: string }).jti)).toBe(false);
    // The page approves what it showed, by that digest.
    const shown = await api(t, 'POST', linkPath(link.token), null, { approved: true, argsDigest: view.record.argsDigest });
    expect(shown.body).toMatchObject({ status: 'approved', decision: { args: record.args } });
  });

  it('a partial quorum approval spends the link: two uses at once count once, and a spent link cannot approve a later proposal', async () => {
    const t = await hubWith({ approval: { quorum: [{ rule: 'two', match: { toolName: 'send_payment' }, approvals: 2 }] } });
    const record = await pending(t, { toolName: 'send_payment', args: { to: 'acme', amount: 10 } });
    const link = await t.hub.decisionLinks.issue(record, 'bob');
    const posts = await Promise.all([0, 1].map(() => api(t, 'POST', linkPath(link.token), null, { approved: true })));
    expect(posts.map((p) => p.status).sort()).toEqual([200, 409]);
    expect(posts.find((p) => p.status === 409)?.body.error.code).toBe('already_decided');
    expect((await t.record(record.requestId))?.quorum?.approvals.map((a) => a.id)).toEqual(['bob']);
    // Alice edits: the count restarts with her alone; Bob's spent link approves nothing, whatever digest it names.
    const edited = await api(t, 'POST', `/api/approvals/${record.requestId}/decision`, tokens.reviewer, { approved: true, args: { to: 'acme', amount: 9 }, argsDigest: record.argsDigest });
    expect(edited.body).toMatchObject({ status: 'pending', proposal: { proposedBy: { id: 'alice' } } });
    const view = DecisionLinkView.parse((await api(t, 'GET', linkPath(link.token), null)).body);
    expect(view).toMatchObject({ state: 'used', usable: false });
    const again = await api(t, 'POST', linkPath(link.token), null, { approved: true, argsDigest: edited.body.proposal.argsDigest });
    expect(again.body.error.code).toBe('already_decided');
    expect((await t.record(record.requestId))?.quorum?.approvals.map((a) => a.id)).toEqual(['alice']);
    const via = await api(t, 'GET', `/api/audit?requestId=${record.requestId}&type=quorum_approved`, tokens.admin);
    expect(via.body.items.map((e: { data: { via: string } }) => e.data.via).sort()).toEqual(['decision_link', 'rest']);
  });

  it('queue confinement: no link outside the reviewer’s queues, and a link whose reviewer lost the queue is 404', async () => {
    const t = await hubWith();
    const defaultQueue = await pending(t);
    await expect(t.hub.decisionLinks.issue(defaultQueue, 'olga')).rejects.toThrow(/may not decide queue/);
    const ops = await pending(t, { queue: 'ops' });
    const link = await t.hub.decisionLinks.issue(ops, 'olga');
    expect((await api(t, 'GET', linkPath(link.token), null)).status).toBe(200);
    reload(t, { decisionLinks: { signingKey: SIGNING_KEY }, tokens: defaultTokens.map((x) => (x.token === tokens.ops ? { ...x, queues: ['billing'] } : x)) });
    const view = await api(t, 'GET', linkPath(link.token), null);
    expect(view.status).toBe(404);
    expect(view.body.error.code).toBe('not_found');
    expect(JSON.stringify(view.body)).not.toContain('delete_pod');
    const post = await api(t, 'POST', linkPath(link.token), null, { approved: true });
    expect(post.status).toBe(404);
    expect(JSON.stringify(post.body)).not.toContain('delete_pod');
    expect((await t.record(ops.requestId))?.status).toBe('pending');
  });

  it('rate-limited like other REST routes, and forged links count as failed authentications for the address', async () => {
    const t = await hubWith({ limits: { ratePerSecond: 1, rateBurst: 3, authFailureBurst: 4, authFailuresPerMinute: 1 } });
    const record = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api(t, 'GET', linkPath(link.token), null)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
    // Forgeries: each is a failed authentication; past the burst the address's forgeries are refused 429, in the
    // links' own bucket: bearer tokens from the same address and a good link are still served (issue #24).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const forged = `${link.token.slice(0, -4)}AAAA`;
    const refusals: number[] = [];
    for (let i = 0; i < 6; i++) refusals.push((await api(t, 'GET', linkPath(forged), null)).status);
    expect(refusals.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(refusals.slice(4)).toEqual([429, 429]);
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: 'Bearer not-a-token-0123456789' } })).status).toBe(401);
    expect((await api(t, 'POST', linkPath(link.token), null, { approved: true })).status).toBe(200);
    expect((await t.record(record.requestId))?.status).toBe('approved');
  });

  it('bodies are validated: no edited arguments, no unknown fields, JSON only', async () => {
    const t = await hubWith();
    const record = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    for (const body of [{ approved: true, args: { name: 'x' } }, { approved: 'yes' }, {}, 'not json']) {
      const res = await api(t, 'POST', linkPath(link.token), null, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_payload');
    }
    expect((await t.record(record.requestId))?.status).toBe('pending');
  });

  it('POST /api/approvals/:id/decision-link issues the caller’s own link, within their queues, for a pending request only', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const t = await hubWith({ decisionLinks: { signingKey: SIGNING_KEY, publicUrl: 'https://hub.example.com' } }, undefined, createLogger('trace', output, { format: 'json' }));
    const record = await pending(t);
    const issuePath = `/api/approvals/${record.requestId}/decision-link`;
    expect((await api(t, 'POST', issuePath, tokens.agent)).body.error.code).toBe('forbidden');
    expect((await api(t, 'POST', issuePath, tokens.ops)).body.error.code).toBe('not_found');
    expect((await api(t, 'POST', '/api/approvals/no-such-request/decision-link', tokens.reviewer)).status).toBe(404);

    const issued = await api(t, 'POST', issuePath, tokens.reviewer);
    expect(issued.status).toBe(200);
    const { url, expiresAt } = IssuedDecisionLink.parse(issued.body);
    expect(url).toMatch(/^https:\/\/hub\.example\.com\/d\//);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.parse(record.expiresAt));
    const token = url.split('/d/')[1]!;
    expect(decodeClaims(token)).toMatchObject({ sub: 'alice', rid: record.requestId });
    const decided = await api(t, 'POST', linkPath(token), null, { approved: true, argsDigest: record.argsDigest });
    expect(decided.body).toMatchObject({ status: 'approved', decision: { decidedBy: { id: 'alice' } } });
    expect((await api(t, 'POST', linkPath(token), null, { approved: true })).status).toBe(409);
    const late = await api(t, 'POST', issuePath, tokens.reviewer);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('already_decided');
    await new Promise((r) => setTimeout(r, 50));
    expect(text).not.toContain(token.split('.')[2]!);
  });

  it('a link’s token never reaches a log line', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const t = await hubWith({}, undefined, createLogger('trace', output, { format: 'json' }));
    const record = await pending(t);
    const link = await t.hub.decisionLinks.issue(record, 'alice');
    const forged = `${link.token.slice(0, -4)}AAAA`;
    await api(t, 'GET', linkPath(link.token), null);
    await api(t, 'GET', linkPath(forged), null);
    await api(t, 'POST', linkPath(link.token), null, { approved: true });
    await api(t, 'POST', linkPath(link.token), null, { approved: true });
    await api(t, 'GET', `/api/nothing-here/d/${link.token}`, tokens.admin);
    t.hub.context.log.info({ url: link.url, path: `/api/decision-links/${link.token}` }, `opened ${link.url}`);
    await new Promise((r) => setTimeout(r, 50));
    expect(text).toContain('approval.decided');
    expect(text).toContain('[redacted]');
    for (const secret of [link.token, forged, link.token.split('.')[2]!, link.token.split('.')[1]!]) expect(text).not.toContain(secret);
  });
});

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}
