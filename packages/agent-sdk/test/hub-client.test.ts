import { AgentEvent, fail, type ApprovalRequestInput } from '@approval-hub/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientClosedError, HubError, connectHub, type ConnectHubOptions, type HubClient } from '../src/index.js';
import { TEST_TOKEN, TestHub } from './support/test-hub.js';

let hub: TestHub;
const clients: HubClient[] = [];

function connect(options: Partial<ConnectHubOptions> = {}): HubClient {
  const client = connectHub({
    url: hub.url,
    token: TEST_TOKEN,
    agentName: 'tester',
    requestTimeoutMs: 300,
    backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  clients.push(client);
  return client;
}

const call = { toolName: 'delete_file', args: { path: '/tmp/x' }, runId: 'run-1' };

function requestIdsSent(): string[] {
  return hub.received.filter((r) => r.event === AgentEvent.request).map((r) => (r.payload as ApprovalRequestInput).requestId);
}

beforeEach(async () => {
  hub = new TestHub();
  await hub.start();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await hub.stop();
});

describe('requestApproval', () => {
  it('sends the request and resolves with the delivered decision, acking it', async () => {
    const client = connect();
    const decision = client.requestApproval({ ...call, requestId: 'req-1', description: 'Deletes a file', queue: 'ops', timeoutMs: 5000 });
    await expect.poll(() => hub.records.get('req-1')?.status).toBe('pending');
    expect(hub.received[0]?.payload).toMatchObject({ requestId: 'req-1', agentName: 'tester', description: 'Deletes a file', queue: 'ops', timeoutMs: 5000 });

    const receipts = await hub.decide('req-1', { approved: true, reason: 'fine' });

    expect(receipts).toEqual([{ ok: true, data: { requestId: 'req-1' } }]);
    await expect(decision).resolves.toMatchObject({ requestId: 'req-1', approved: true, status: 'approved', reason: 'fine', args: call.args });
  });

  it('resolves at once when the ack is already decided, and still acks the later delivery', async () => {
    hub.onRequest = (input) => {
      hub.records.set(input.requestId, {
        requestId: input.requestId, status: 'approved', toolName: input.toolName, args: input.args, agentName: 'tester', runId: input.runId,
        queue: 'default', createdAt: new Date().toISOString(), expiresAt: new Date().toISOString(),
        decision: { approved: true, args: input.args, modified: false, decidedBy: { kind: 'policy', rule: 'allow-reads' }, decidedAt: new Date().toISOString() },
      });
      return undefined;
    };
    const client = connect();

    const response = await client.requestApproval({ ...call, requestId: 'req-auto' });

    expect(response).toMatchObject({ approved: true, decidedBy: { kind: 'policy', rule: 'allow-reads' } });
    expect(await hub.decide('req-auto', { approved: true })).toEqual([{ ok: true, data: { requestId: 'req-auto' } }]);
  });

  it('acks not_found for decisions it does not wait on, so another process on the same token still gets them', async () => {
    const owner = connect();
    const bystander = connect();
    await Promise.all([owner.waitUntilConnected(), bystander.waitUntilConnected()]);
    const decision = owner.requestApproval({ ...call, requestId: 'req-shared' });
    await expect.poll(() => hub.records.has('req-shared')).toBe(true);

    const receipts = await hub.decide('req-shared', { approved: false, reason: 'no' });

    expect(receipts).toContainEqual({ ok: true, data: { requestId: 'req-shared' } });
    expect(receipts).toContainEqual({ ok: false, error: { code: 'not_found', message: expect.any(String) } });
    await expect(decision).resolves.toMatchObject({ approved: false, reason: 'no' });
  });

  it('answers invalid_payload to a malformed approval.response and does not settle anything', async () => {
    const client = connect();
    await client.waitUntilConnected();

    const [ack] = await hub.sendRaw({ requestId: 'req-1', approved: 'yes' });

    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('sends the same requestId again when the ack is lost', async () => {
    let dropped = 0;
    hub.onRequest = () => (dropped++ < 2 ? 'drop' : undefined);
    const client = connect({ requestTimeoutMs: 150 });

    const decision = client.requestApproval({ ...call, requestId: 'req-lost' });
    await expect.poll(() => hub.records.has('req-lost')).toBe(true);
    await hub.decide('req-lost', { approved: true });

    await expect(decision).resolves.toMatchObject({ approved: true });
    expect(requestIdsSent()).toEqual(['req-lost', 'req-lost', 'req-lost']);
  });

  it('retries after rate_limited and internal, then succeeds', async () => {
    const failures = [fail('rate_limited', 'slow down'), fail('internal', 'oops')];
    hub.onRequest = () => failures.shift();
    const client = connect();

    const decision = client.requestApproval({ ...call, requestId: 'req-retry' });
    await expect.poll(() => hub.records.has('req-retry')).toBe(true);
    await hub.decide('req-retry', { approved: true });

    await expect(decision).resolves.toMatchObject({ approved: true });
    expect(requestIdsSent()).toEqual(['req-retry', 'req-retry', 'req-retry']);
  });

  it('rejects final errors with a HubError carrying code, message and details', async () => {
    hub.onRequest = () => fail('payload_too_large', 'args too big', { limit: 10 });
    const client = connect();

    const error = await client.requestApproval(call).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({ code: 'payload_too_large', message: 'args too big', details: { limit: 10 } });
    expect(hub.countOf(AgentEvent.request)).toBe(1);
  });

  it('refuses an invalid request without sending it', async () => {
    const client = connect();
    await client.waitUntilConnected();

    const error = await client.requestApproval({ ...call, toolName: 'rm -rf' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'HubError', code: 'invalid_payload' });
    expect(hub.countOf(AgentEvent.request)).toBe(0);
  });
});

describe('reconnecting', () => {
  it('re-sends a request whose ack never came as soon as it reconnects', async () => {
    let dropped = 0;
    hub.onRequest = () => (dropped++ < 1 ? 'drop' : undefined);
    const client = connect({ requestTimeoutMs: 30_000 });
    const disconnects: string[] = [];
    client.on('disconnect', (reason) => disconnects.push(reason));
    const decision = client.requestApproval({ ...call, requestId: 'req-reconnect' });
    await expect.poll(() => hub.countOf(AgentEvent.request)).toBe(1);

    hub.dropConnections();

    await expect.poll(() => hub.records.get('req-reconnect')?.status).toBe('pending');
    expect(disconnects).toEqual(['transport close']);
    await hub.decide('req-reconnect', { approved: true });
    await expect(decision).resolves.toMatchObject({ approved: true });
  });

  it('syncs acked requests after a hub restart and resolves those decided meanwhile', async () => {
    hub.redeliverOnConnect = false; // so only approval.sync can bring the decision back
    const client = connect();
    let connects = 0;
    client.on('connect', () => connects++);
    const decided = client.requestApproval({ ...call, requestId: 'req-decided' });
    const stillPending = client.requestApproval({ ...call, requestId: 'req-pending' });
    await expect.poll(() => hub.records.size).toBe(2);
    await expect.poll(() => connects).toBe(1);

    await hub.stop();
    await hub.decide('req-decided', { approved: false, reason: 'decided while you were away' });
    await hub.start();

    await expect(decided).resolves.toMatchObject({ requestId: 'req-decided', approved: false, reason: 'decided while you were away' });
    expect(hub.received.filter((r) => r.event === AgentEvent.sync).map((r) => r.payload)).toEqual([{ requestIds: ['req-decided', 'req-pending'] }]);
    expect(connects).toBe(2);
    await hub.decide('req-pending', { approved: true });
    await expect(stillPending).resolves.toMatchObject({ approved: true });
  });

  it('asks again for an acked request that the restarted hub no longer knows', async () => {
    const client = connect();
    const decision = client.requestApproval({ ...call, requestId: 'req-forgotten' });
    await expect.poll(() => hub.records.has('req-forgotten')).toBe(true);

    await hub.stop();
    hub.records.clear();
    await hub.start();

    await expect.poll(() => hub.records.has('req-forgotten')).toBe(true);
    await hub.decide('req-forgotten', { approved: true });
    await expect(decision).resolves.toMatchObject({ approved: true });
  });
});

describe('lifecycle', () => {
  it('rejects waiting and later calls when the hub refuses the token', async () => {
    const client = connect({ token: 'wrong' });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));

    const first = await client.requestApproval(call).catch((e: unknown) => e);
    const later = await client.requestApproval(call).catch((e: unknown) => e);

    expect(first).toMatchObject({ name: 'HubError', code: 'unauthorized' });
    expect(later).toMatchObject({ name: 'HubError', code: 'unauthorized' });
    await expect(client.waitUntilConnected()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(errors).toHaveLength(1);
  });

  it('cancels on the hub and rejects with an AbortError when the signal aborts', async () => {
    const client = connect();
    const controller = new AbortController();
    const decision = client.requestApproval({ ...call, requestId: 'req-abort', signal: controller.signal });
    await expect.poll(() => hub.records.get('req-abort')?.status).toBe('pending');

    controller.abort('user left');

    await expect(decision).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => hub.records.get('req-abort')?.status).toBe('cancelled');
    expect(hub.received.at(-1)).toEqual({ event: AgentEvent.cancel, payload: { requestId: 'req-abort', reason: 'user left' } });
  });

  it('close() rejects waiting calls and every later one', async () => {
    const client = connect();
    const decision = client.requestApproval(call);
    await expect.poll(() => hub.records.size).toBe(1);

    client.close();

    await expect(decision).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.requestApproval(call)).rejects.toBeInstanceOf(ClientClosedError);
    expect(client.connected).toBe(false);
  });
});
