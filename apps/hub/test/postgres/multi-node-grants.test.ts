import type { ApprovalRecord, Grant } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, emitAck, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

/** Two hub nodes on one PostgreSQL database: grants and quorum hold across them, with nothing cached per node. */
describe('grants and quorum across hub nodes', () => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    // The node that made the database drops it: close it last.
    for (const hub of hubs.splice(0).reverse()) await hub.close();
  });

  const ask = async (hub: TestHub, overrides: Record<string, unknown>) => {
    const ack = await emitAck<ApprovalRecord>(hub.connectAgent(), 'approval.request', newRequest(overrides));
    if (!ack.ok) throw new Error(ack.error.message);
    return ack.data;
  };

  it('a grant made on one node decides on the other; revoked on the other, it stops at once on the first', async () => {
    const config = { approval: { quorum: [{ rule: 'two', match: { toolName: 'send_payment' }, approvals: 2 }] } };
    const a = await startTestHub(config, { database: 'postgres' });
    hubs.push(a);
    const b = await startTestHub(config, { database: 'postgres', dir: a.dir });
    hubs.push(b);

    const first = await ask(a, { toolName: 'restart', args: { service: 'api' } });
    expect((await api(a, 'POST', `/api/approvals/${first.requestId}/decision`, tokens.reviewer, { approved: true, grant: {} })).status).toBe(200);
    expect((await ask(b, { toolName: 'restart', args: { service: 'api' } })).decision?.decidedBy.kind).toBe('grant');

    const [grant] = (await api(b, 'GET', '/api/grants', tokens.reviewer)).body.items as Grant[];
    expect((await api(b, 'DELETE', `/api/grants/${grant!.grantId}`, tokens.reviewer2)).status).toBe(200);
    expect((await ask(a, { toolName: 'restart', args: { service: 'api' } })).status).toBe('pending');

    // One approval on each node makes the quorum; the same reviewer on the other node is still one reviewer.
    const payment = await ask(a, { toolName: 'send_payment', args: { amount: 5 } });
    expect((await api(a, 'POST', `/api/approvals/${payment.requestId}/decision`, tokens.reviewer, { approved: true })).body.status).toBe('pending');
    expect((await api(b, 'POST', `/api/approvals/${payment.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(409);
    expect((await api(b, 'POST', `/api/approvals/${payment.requestId}/decision`, tokens.reviewer2, { approved: true })).body.status).toBe('approved');
  });
});
