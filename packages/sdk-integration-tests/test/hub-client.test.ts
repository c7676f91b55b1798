import { ClientClosedError, HubError, connectHub, type ConnectHubOptions, type HubClient, type Logger } from '@approval-hub/agent-sdk';
import { SECOND_AGENT_TOKEN, startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// One real hub process for the file; each test uses its own request ids and tool names.
let hub: HubProcess;
const clients: HubClient[] = [];

beforeAll(async () => {
  hub = await startHub({
    config: {
      limits: { maxPayloadBytes: 2048 },
      approval: { policies: [{ rule: 'allow-reads', match: { toolName: 'read_file' }, action: 'approve' }] },
    },
  });
});
afterAll(async () => {
  await hub.dispose();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
});

/** A logger that keeps what the client said, so a test can wait for "sending again". */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string, context?: object) => lines.push(`${message} ${JSON.stringify(context ?? {})}`);
  return { lines, debug: push, info: push, warn: push, error: push };
}

function connect(options: Partial<ConnectHubOptions> = {}): HubClient {
  const client = connectHub({
    url: hub.url,
    token: hub.agentToken,
    agentName: 'tester',
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    ...options,
  });
  clients.push(client);
  return client;
}

const call = { toolName: 'delete_file', args: { path: '/tmp/x' }, runId: 'run-1' };

async function timelineTypes(requestId: string): Promise<string[]> {
  return ((await hub.get(requestId))?.timeline ?? []).map((entry) => entry.type);
}

describe('requestApproval', () => {
  it('sends the request and resolves with the reviewer’s decision, which the hub records as delivered', async () => {
    const client = connect();
    const decision = client.requestApproval({ ...call, requestId: 'req-1', description: 'Deletes a file', queue: 'ops', timeoutMs: 5000 });
    const pending = await hub.waitForPending((r) => r.requestId === 'req-1');
    expect(pending).toMatchObject({ agentName: 'tester', toolName: 'delete_file', args: call.args, description: 'Deletes a file', queue: 'ops' });
    expect(Date.parse(pending.expiresAt) - Date.parse(pending.createdAt)).toBe(5000);

    await hub.decide('req-1', { approved: true, reason: 'fine' });

    await expect(decision).resolves.toMatchObject({
      requestId: 'req-1',
      approved: true,
      status: 'approved',
      reason: 'fine',
      args: call.args,
      decidedBy: { kind: 'reviewer', name: 'Rita Reviewer' },
    });
    await expect.poll(() => timelineTypes('req-1')).toContain('delivered');
  });

  it('resolves at once when a hub policy decides on arrival', async () => {
    const client = connect();

    const response = await client.requestApproval({ toolName: 'read_file', args: { path: '/etc/hosts' }, runId: 'run-1', requestId: 'req-auto' });

    expect(response).toMatchObject({ approved: true, status: 'approved', decidedBy: { kind: 'policy', rule: 'allow-reads' } });
  });

  it('another process on the same token does not take the decision from its owner', async () => {
    const owner = connect();
    const bystander = connect();
    await Promise.all([owner.waitUntilConnected(), bystander.waitUntilConnected()]);
    const decision = owner.requestApproval({ ...call, requestId: 'req-shared' });
    await hub.waitForPending((r) => r.requestId === 'req-shared');

    await hub.decide('req-shared', { approved: false, reason: 'no' });

    await expect(decision).resolves.toMatchObject({ approved: false, reason: 'no' });
    await expect.poll(() => timelineTypes('req-shared')).toContain('delivered');
  });

  it('sends the same requestId again when the ack does not come in time, and the hub keeps one request', async () => {
    const logger = recordingLogger();
    const client = connect({ requestTimeoutMs: 300, logger });
    await client.waitUntilConnected();

    hub.pause();
    const decision = client.requestApproval({ ...call, requestId: 'req-lost' });
    await expect.poll(() => logger.lines.filter((l) => l.startsWith('No ack for approval.request')).length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    hub.resume();
    await hub.waitForPending((r) => r.requestId === 'req-lost');
    await hub.decide('req-lost', { approved: true });

    await expect(decision).resolves.toMatchObject({ approved: true });
    expect((await timelineTypes('req-lost')).filter((t) => t === 'requested')).toEqual(['requested']);
  });

  it('rejects a final error with a HubError carrying the hub’s code', async () => {
    const client = connect();

    const error = await client.requestApproval({ ...call, args: { blob: 'x'.repeat(4000) } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses an invalid request without sending it', async () => {
    const client = connect();
    await client.waitUntilConnected();

    const error = await client.requestApproval({ ...call, toolName: 'rm -rf', requestId: 'req-invalid' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'HubError', code: 'invalid_payload' });
    expect(await hub.get('req-invalid')).toBeNull();
  });

  it('a conflicting re-use of a requestId is a final conflict', async () => {
    const client = connect();
    const first = client.requestApproval({ ...call, requestId: 'req-conflict' });
    await hub.waitForPending((r) => r.requestId === 'req-conflict');
    const other = connect();

    const error = await other.requestApproval({ ...call, args: { path: '/elsewhere' }, requestId: 'req-conflict' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'HubError', code: 'conflict' });
    await hub.decide('req-conflict', { approved: true });
    await expect(first).resolves.toMatchObject({ approved: true });
  });
});

describe('a hub that rate-limits', () => {
  let strictHub: HubProcess;
  beforeAll(async () => {
    strictHub = await startHub({ config: { limits: { ratePerSecond: 2, rateBurst: 1 } } });
  });
  afterAll(async () => {
    await strictHub.dispose();
  });

  it('retries requests refused with rate_limited until the hub takes them', async () => {
    const logger = recordingLogger();
    const client = connectHub({ url: strictHub.url, token: strictHub.agentToken, agentName: 'eager', backoff: { initialDelayMs: 50, maxDelayMs: 400 }, logger });
    clients.push(client);
    await client.waitUntilConnected();

    const decisions = Promise.all(['req-rl-1', 'req-rl-2', 'req-rl-3'].map((requestId) => client.requestApproval({ ...call, requestId })));
    decisions.catch(() => undefined); // awaited below; this only keeps an early failure from being reported twice
    for (const requestId of ['req-rl-1', 'req-rl-2', 'req-rl-3']) {
      await strictHub.waitForPending((r) => r.requestId === requestId);
      await strictHub.decide(requestId, { approved: true });
    }

    await expect(decisions).resolves.toMatchObject([{ approved: true }, { approved: true }, { approved: true }]);
    expect(logger.lines.filter((l) => l.includes('"code":"rate_limited"')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('hub restarts', () => {
  it('a request sent to a frozen hub that then crashes is sent again to the restarted hub', async () => {
    const client = connect({ requestTimeoutMs: 30_000 });
    await client.waitUntilConnected();
    const disconnects: string[] = [];
    client.on('disconnect', (reason) => disconnects.push(reason));

    hub.pause();
    const decision = client.requestApproval({ ...call, requestId: 'req-reconnect' });
    await hub.stop('SIGKILL');
    await hub.start();

    await hub.waitForPending((r) => r.requestId === 'req-reconnect');
    expect(disconnects.length).toBeGreaterThanOrEqual(1);
    await hub.decide('req-reconnect', { approved: true });
    await expect(decision).resolves.toMatchObject({ approved: true });
  });

  it('acknowledged requests survive a hub crash and are decided after the restart', async () => {
    const client = connect();
    let connects = 0;
    client.on('connect', () => connects++);
    const decided = client.requestApproval({ ...call, requestId: 'req-decided' });
    const stillPending = client.requestApproval({ ...call, requestId: 'req-pending' });
    await hub.waitForPending((r) => r.requestId === 'req-decided');
    await hub.waitForPending((r) => r.requestId === 'req-pending');

    await hub.stop('SIGKILL');
    await hub.start();
    await hub.decide('req-decided', { approved: false, reason: 'decided after the restart' });

    await expect(decided).resolves.toMatchObject({ requestId: 'req-decided', approved: false, reason: 'decided after the restart' });
    expect(connects).toBeGreaterThanOrEqual(2);
    await hub.decide('req-pending', { approved: true });
    await expect(stillPending).resolves.toMatchObject({ approved: true });
  });

  it('asks again for an acknowledged request that the restarted hub no longer knows', async () => {
    const client = connect();
    const decision = client.requestApproval({ ...call, requestId: 'req-forgotten' });
    await hub.waitForPending((r) => r.requestId === 'req-forgotten');

    await hub.stop();
    hub.wipeDatabase();
    await hub.start();

    await hub.waitForPending((r) => r.requestId === 'req-forgotten');
    await hub.decide('req-forgotten', { approved: true });
    await expect(decision).resolves.toMatchObject({ approved: true });
  });
});

describe('lifecycle', () => {
  it('rejects waiting and later calls when the hub refuses the token', async () => {
    const client = connect({ token: 'not-a-token-the-hub-knows' });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));

    const first = await client.requestApproval(call).catch((e: unknown) => e);
    const later = await client.requestApproval(call).catch((e: unknown) => e);

    expect(first).toMatchObject({ name: 'HubError', code: 'unauthorized' });
    expect(later).toMatchObject({ name: 'HubError', code: 'unauthorized' });
    await expect(client.waitUntilConnected()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(errors).toHaveLength(1);
  });

  it('a token of another agent cannot see or take this agent’s decision', async () => {
    const owner = connect();
    const stranger = connect({ token: SECOND_AGENT_TOKEN, agentName: 'other' });
    const decision = owner.requestApproval({ ...call, requestId: 'req-private' });
    await hub.waitForPending((r) => r.requestId === 'req-private');

    const error = await stranger.requestApproval({ ...call, requestId: 'req-private' }).catch((e: unknown) => e);
    await hub.decide('req-private', { approved: true });

    expect(error).toMatchObject({ name: 'HubError', code: 'conflict' });
    await expect(decision).resolves.toMatchObject({ approved: true });
  });

  it('cancels on the hub and rejects with an AbortError when the signal aborts', async () => {
    const client = connect();
    const controller = new AbortController();
    const decision = client.requestApproval({ ...call, requestId: 'req-abort', signal: controller.signal });
    await hub.waitForPending((r) => r.requestId === 'req-abort');

    controller.abort('user left');

    await expect(decision).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(async () => (await hub.get('req-abort'))?.status).toBe('cancelled');
    const cancelled = (await hub.get('req-abort'))?.timeline.find((entry) => entry.type === 'cancelled');
    expect(JSON.stringify(cancelled?.data)).toContain('user left');
  });

  it('close() rejects waiting calls and every later one', async () => {
    const client = connect();
    const decision = client.requestApproval({ ...call, requestId: 'req-close' });
    await hub.waitForPending((r) => r.requestId === 'req-close');

    client.close();

    await expect(decision).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.requestApproval(call)).rejects.toBeInstanceOf(ClientClosedError);
    expect(client.connected).toBe(false);
  });
});
