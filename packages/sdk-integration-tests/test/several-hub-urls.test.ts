import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { freePort } from '@approval-hub/test-ports';
import { afterEach, describe, expect, it } from 'vitest';

// Several URLs name nodes of one hub. Two real hubs here have two databases (SQLite has one writer per file),
// so failover is shown as: the node in use is down (never started, or SIGKILLed), the next one takes over.
const hubs: HubProcess[] = [];
const clients: HubClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const hub of hubs.splice(0)) await hub.dispose();
});

async function hub(): Promise<HubProcess> {
  const started = await startHub();
  hubs.push(started);
  return started;
}

function connect(url: string[], token: string): HubClient {
  const client = connectHub({ url, token, agentName: 'failover', backoff: { initialDelayMs: 50, maxDelayMs: 400 }, requestTimeoutMs: 2_000 });
  clients.push(client);
  return client;
}

const call = { toolName: 'restart_service', args: { name: 'api' }, runId: 'run-failover' };

describe('several hub URLs', () => {
  it('a first URL that refuses connections is skipped: the request is made and decided on the next one', async () => {
    const up = await hub();
    const refusing = `http://127.0.0.1:${await freePort()}`;
    const client = connect([refusing, up.url], up.agentToken);

    const decision = client.requestApproval({ ...call, requestId: 'req-skip-refusing' });
    await up.waitForPending((r) => r.requestId === 'req-skip-refusing', 10_000);
    await up.decide('req-skip-refusing', { approved: true });

    await expect(decision).resolves.toMatchObject({ requestId: 'req-skip-refusing', approved: true, status: 'approved' });
    expect(client.connected).toBe(true);
  });

  it('hub A dies with a request pending: the client moves to hub B, asks there again, and the decision made there settles the call once', async () => {
    const a = await hub();
    const b = await hub();
    const client = connect([a.url, b.url], a.agentToken);
    const decision = client.requestApproval({ ...call, requestId: 'req-failover' });
    await a.waitForPending((r) => r.requestId === 'req-failover', 10_000);

    await a.stop('SIGKILL');

    // B never saw it: after the move, the acknowledged request is synced, found unknown and sent again, same requestId.
    const moved = await b.waitForPending((r) => r.requestId === 'req-failover', 15_000);
    expect(moved).toMatchObject({ toolName: 'restart_service', args: { name: 'api' }, agentName: 'failover' });
    await b.decide('req-failover', { approved: false, reason: 'not during the incident' });

    await expect(decision).resolves.toMatchObject({ requestId: 'req-failover', approved: false, status: 'denied', reason: 'not during the incident' });
    // Delivered and receipted exactly once on B; one request, not a copy per re-send.
    await expect.poll(async () => (await b.get('req-failover'))?.timeline.filter((e) => e.type === 'delivered').length).toBe(1);
    expect((await b.list()).filter((r) => r.requestId === 'req-failover')).toHaveLength(1);
  });

  it('round-robin: when B goes down too, the client comes back to A once A is up again', async () => {
    const a = await hub();
    const b = await hub();
    const client = connect([a.url, b.url], a.agentToken);
    await client.waitUntilConnected();
    await a.stop('SIGKILL');
    const first = client.requestApproval({ ...call, requestId: 'req-on-b' });
    await b.waitForPending((r) => r.requestId === 'req-on-b', 15_000);
    await b.decide('req-on-b', { approved: true });
    await expect(first).resolves.toMatchObject({ approved: true });

    await a.start();
    await b.stop('SIGKILL');
    const second = client.requestApproval({ ...call, requestId: 'req-back-on-a' });
    await a.waitForPending((r) => r.requestId === 'req-back-on-a', 15_000);
    await a.decide('req-back-on-a', { approved: true });
    await expect(second).resolves.toMatchObject({ approved: true, status: 'approved' });
  });
});
