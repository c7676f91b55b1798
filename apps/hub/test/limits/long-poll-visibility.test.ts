import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

/** Issue #24: a long-poll answers only what the asker may see at the time of the answer. */
let hub: TestHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

describe('limits: long-polls after an escalation', () => {
  it('a reviewer of the old queue gets not_found, never the new queue, the decider or the reason', async () => {
    hub = await startTestHub({
      queues: [{ name: 'ops' }, { name: 'security' }],
      approval: { escalation: [{ rule: 'to-security', match: { toolName: 'delete_*' }, afterMs: 400, toQueue: 'security' }] },
    });
    const created = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'ops' }));
    expect(created.status).toBe(201);
    const id = created.body.requestId as string;
    // Olga reviews `ops` only; she starts waiting while the request is hers to see.
    const olga = api(hub, 'GET', `/api/approvals/${id}/wait?timeoutMs=30000`, tokens.ops);
    await eventually(async () => (await hub!.record(id))?.queue === 'security', 10_000);
    const decided = await api(hub, 'POST', `/api/approvals/${id}/decision`, tokens.admin, { approved: false, reason: 'secret-reason-from-security' });
    expect(decided.status).toBe(200);
    const answer = await olga;
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
    const text = JSON.stringify(answer.body);
    for (const leak of ['security', 'secret-reason-from-security', 'root']) expect(text).not.toContain(leak);
    // The agent that asked still learns the outcome from its own long-poll.
    const agent = await api(hub, 'GET', `/api/approvals/${id}/wait?timeoutMs=1000`, tokens.agent);
    expect(agent.body).toMatchObject({ status: 'denied' });
  });
});
