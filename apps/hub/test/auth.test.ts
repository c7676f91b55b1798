import { Namespace } from '@approval-hub/protocol';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { allRequests, api, connected, connectError, defaultTokens, emitAck, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub({ allowedOrigins: ['https://console.example.com'] });
});
afterEach(async () => {
  await t.close();
});

describe('socket handshake', () => {
  it.each([
    ['no token', Namespace.agent, undefined, 'unauthorized'],
    ['an unknown token', Namespace.agent, 'not-a-real-token-at-all', 'unauthorized'],
    ['a reviewer token on /agent', Namespace.agent, tokens.reviewer, 'forbidden'],
    ['an agent token on /reviewer', Namespace.reviewer, tokens.agent, 'forbidden'],
    ['any token on the main namespace', '/', tokens.admin, 'forbidden'],
  ])('refuses %s with a readable code', async (_label, nsp, token, code) => {
    const socket = io(`${t.url}${nsp}`, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
    try {
      const error = await connectError(socket);
      expect(error.data?.code).toBe(code);
      expect(error.message).not.toContain(String(token));
    } finally {
      socket.close();
    }
  });

  it('admits admins on /reviewer', async () => {
    const socket = t.connectReviewer(tokens.admin);
    await connected(socket);
    expect(socket.connected).toBe(true);
  });

  it('refuses a browser from a foreign origin and admits an allowed one', async () => {
    const foreign = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const allowed = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://console.example.com' } });
    expect(allowed.status).toBe(200);
    const sameOrigin = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: t.url } });
    expect(sameOrigin.status).toBe(200);
  });

  it('disconnects sessions whose token was revoked by a reload', async () => {
    const agent = t.connectAgent(tokens.agent2);
    await connected(agent);
    const disconnected = new Promise<string>((resolve) => agent.on('disconnect', (reason) => resolve(reason)));
    t.hub.reload(parseConfig({ port: 0, dbPath: t.dbPath, tokens: defaultTokens.filter((x) => x.token !== tokens.agent2), demo: { enabled: false }, logLevel: 'silent' }));
    expect(await disconnected).toBe('io server disconnect');
    const again = io(`${t.url}${Namespace.agent}`, { auth: { token: tokens.agent2 }, transports: ['websocket'], reconnection: false });
    expect((await connectError(again)).data?.code).toBe('unauthorized');
    again.close();
    expect(await allRequests(t.store)).toHaveLength(0);
  });
});

describe('REST authentication and roles', () => {
  it('answers 401 without a valid bearer token and never reads tokens from the query', async () => {
    expect(await api(t, 'GET', '/api/approvals', null)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(await api(t, 'GET', '/api/approvals', 'wrong-token-wrong-token')).toMatchObject({ status: 401 });
    expect(await api(t, 'GET', `/api/approvals?token=${tokens.admin}`, null)).toMatchObject({ status: 401 });
  });

  it('answers 403 to the wrong role, writing nothing', async () => {
    expect(await api(t, 'POST', '/api/approvals', tokens.reviewer, newRequest())).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await api(t, 'POST', '/api/approvals/x/decision', tokens.agent, { approved: true })).toMatchObject({ status: 403 });
    expect(await api(t, 'GET', '/api/audit', tokens.agent)).toMatchObject({ status: 403 });
    expect(await allRequests(t.store)).toHaveLength(0);
  });

  it('refuses a foreign Origin on the REST API', async () => {
    const res = await api(t, 'POST', '/api/approvals', tokens.agent, newRequest(), { origin: 'https://evil.example' });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
  });

  it('keeps health open and tells who a token is', async () => {
    expect(await api(t, 'GET', '/api/health', null)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api(t, 'GET', '/api/me', tokens.ops)).toEqual({ status: 200, body: { id: 'olga', name: 'Olga', role: 'reviewer', queues: ['ops'] } });
  });
});

describe('agents over a socket cannot be reviewers', () => {
  it('an agent emitting a reviewer event is refused', async () => {
    const agent = t.connectAgent();
    expect(await emitAck(agent, 'queue.subscribe', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
