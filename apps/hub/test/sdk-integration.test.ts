import { Agent, connectHub, defineTool, HubError, scriptedModel, type HubClient } from '@approval-hub/agent-sdk';
import type { ApprovalRecord, QueueSnapshot } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allRequests, api, emitAck, eventually, once, startTestHub, tokens, undeliveredIds, type TestHub } from './support/test-hub.js';

let t: TestHub;
const clients: HubClient[] = [];
function client(hub: TestHub, token: string = tokens.agent, agentName = 'sdk-agent') {
  const c = connectHub({ url: hub.url, token, agentName });
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t.close();
});

async function decideNextPending(hub: TestHub, body: Record<string, unknown>, token: string = tokens.reviewer) {
  let pending: ApprovalRecord[] = [];
  await eventually(async () => {
    pending = (await api(hub, 'GET', '/api/approvals?status=pending', token)).body.items;
    return pending.length > 0;
  });
  const record = pending[0]!;
  const res = await api(hub, 'POST', `/api/approvals/${record.requestId}/decision`, token, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return record;
}

describe('agent SDK against a real hub', () => {
  it('requestApproval resolves once with the reviewer decision and acknowledges delivery', async () => {
    t = await startTestHub();
    const hub = client(t);
    const decision = hub.requestApproval({ toolName: 'delete_pod', args: { name: 'web-1' }, runId: 'run-a', queue: 'ops' });
    const record = await decideNextPending(t, { approved: true, reason: 'ok' });
    expect(record).toMatchObject({ agentName: 'sdk-agent', toolName: 'delete_pod', queue: 'ops' });
    expect(await decision).toMatchObject({ requestId: record.requestId, approved: true, status: 'approved', reason: 'ok' });
    await eventually(async () => (await undeliveredIds(t.store, 'test-agent')).length === 0);
  });

  it('survives a hub restart in the middle: same request, one row, the decision arrives', async () => {
    t = await startTestHub();
    const hub = client(t);
    const decision = hub.requestApproval({ toolName: 'send_payment', args: { amount: 10 }, runId: 'run-b' });
    await eventually(async () => (await allRequests(t.store)).length === 1);
    t = await t.restart();
    await decideNextPending(t, { approved: false, reason: 'after restart' });
    expect(await decision).toMatchObject({ approved: false, reason: 'after restart' });
    expect(await allRequests(t.store)).toHaveLength(1);
  });

  it('a decision made while the SDK is disconnected reaches it after the hub comes back', async () => {
    t = await startTestHub();
    const hub = client(t);
    const decision = hub.requestApproval({ toolName: 'delete_pod', args: { name: 'x' }, runId: 'run-c' });
    await eventually(async () => (await allRequests(t.store)).length === 1);
    const port = t.port;
    await t.stop();
    // Decide directly in a hub on another port, while the SDK keeps trying the old one.
    const elsewhere = await startTestHub({}, { dir: t.dir });
    await decideNextPending(elsewhere, { approved: true });
    await elsewhere.stop();
    t = await startTestHub({}, { dir: t.dir, port });
    expect(await decision).toMatchObject({ approved: true, status: 'approved' });
  });

  it('rejects with HubError on a refused token and on invalid input', async () => {
    t = await startTestHub();
    const refused = client(t, 'not-a-valid-token-at-all');
    await expect(refused.requestApproval({ toolName: 'x', args: {}, runId: 'r' })).rejects.toMatchObject({ code: 'unauthorized' });
    const wrongRole = client(t, tokens.reviewer);
    await expect(wrongRole.waitUntilConnected()).rejects.toBeInstanceOf(HubError);
    const hub = client(t);
    await expect(hub.requestApproval({ toolName: 'bad name!', args: {}, runId: 'r' })).rejects.toMatchObject({ code: 'invalid_payload' });
  });

  it('cancels on abort and the request leaves the reviewers\' queue', async () => {
    t = await startTestHub();
    const reviewer = t.connectReviewer();
    await emitAck<QueueSnapshot>(reviewer, 'queue.subscribe', {});
    const hub = client(t);
    const controller = new AbortController();
    const requested = once<ApprovalRecord>(reviewer, 'approval.request');
    const decision = hub.requestApproval({ toolName: 'delete_pod', args: { name: 'y' }, runId: 'run-d', signal: controller.signal });
    const record = await requested;
    const resolved = once<ApprovalRecord>(reviewer, 'approval.resolved');
    controller.abort();
    await expect(decision).rejects.toMatchObject({ name: 'AbortError' });
    expect(await resolved).toMatchObject({ requestId: record.requestId, status: 'cancelled' });
  });
});

describe('agent runtime through the hub', () => {
  const executed: unknown[] = [];
  const deletePod = defineTool({
    name: 'delete_pod',
    description: 'Delete a pod',
    parameters: z.object({ name: z.string(), namespace: z.string() }),
    execute: (args) => {
      executed.push(args);
      return { deleted: args.name };
    },
  });

  function agentWith(hub: HubClient) {
    return new Agent({
      name: 'ops-agent',
      model: scriptedModel([{ toolCalls: [{ name: 'delete_pod', args: { name: 'web-1', namespace: 'prod' } }] }, (messages) => String(messages.at(-1)?.content)]),
      tools: [deletePod],
      approval: { policy: 'all', hub, queue: 'ops' },
    });
  }

  it('a denial reaches the model as [DENIED] <reason> and the tool does not run', async () => {
    t = await startTestHub();
    executed.length = 0;
    const run = agentWith(client(t)).run('clean up');
    await decideNextPending(t, { approved: false, reason: 'prod is frozen' });
    const result = await run;
    expect(result.toolCalls[0]).toMatchObject({ approval: 'denied', executed: false, result: '[DENIED] prod is frozen' });
    expect(executed).toEqual([]);
  });

  it('an edit runs the tool with exactly the edited arguments and tells the model', async () => {
    t = await startTestHub();
    executed.length = 0;
    const run = agentWith(client(t)).run('clean up');
    await decideNextPending(t, { approved: true, args: { name: 'web-1-canary', namespace: 'staging' } });
    const result = await run;
    expect(executed).toEqual([{ name: 'web-1-canary', namespace: 'staging' }]);
    expect(result.toolCalls[0]).toMatchObject({ approval: 'edited', executed: true, args: { name: 'web-1-canary', namespace: 'staging' } });
    expect(result.toolCalls[0]!.result).toMatch(/edit/i);
  });

  it('a timeout reaches the model as a no-retry denial', async () => {
    t = await startTestHub();
    executed.length = 0;
    const agent = new Agent({
      name: 'ops-agent',
      model: scriptedModel([{ toolCalls: [{ name: 'delete_pod', args: { name: 'web-1', namespace: 'prod' } }] }, 'done']),
      tools: [deletePod],
      approval: { policy: 'all', hub: client(t), timeoutMs: 1000 },
    });
    const result = await agent.run('clean up');
    expect(result.toolCalls[0]).toMatchObject({ approval: 'timeout', executed: false });
    expect(result.toolCalls[0]!.result).toMatch(/^\[TIMEOUT\]/);
    expect(result.toolCalls[0]!.result).toMatch(/not retry|do not retry|must not be retried/i);
    expect(executed).toEqual([]);
  });
});

describe('ADK-style challenges from the SDK, covered by a grant', () => {
  it('a tool’s permissions become challenges; a grant on their patterns lets the next call run without asking', async () => {
    t = await startTestHub();
    const hub = client(t);
    const reads: string[] = [];
    const readFile = defineTool({
      name: 'local_file_read',
      description: 'Read a file',
      parameters: z.object({ path: z.string() }),
      permissions: { actions: ['tool:local_file:read'], resources: ({ path }) => [path] },
      execute: ({ path }) => {
        reads.push(path);
        return 'contents';
      },
    });
    const agentFor = (path: string) =>
      new Agent({ name: 'reader', model: scriptedModel([{ toolCalls: [{ name: 'local_file_read', args: { path } }] }, 'done']), tools: [readFile], approval: { policy: 'all', hub } });

    const first = agentFor('/home/ann/a.txt').run('read a', { onBehalfOf: 'ann' });
    const record = await decideNextPending(t, { approved: true, grant: { match: { actions: ['tool:local_file:*'], resources: ['/home/ann/*'] } } });
    expect(record).toMatchObject({ challenges: [{ actions: ['tool:local_file:read'], resources: ['/home/ann/a.txt'] }], onBehalfOf: 'ann' });
    await first;
    const second = await agentFor('/home/ann/b.txt').run('read b', { onBehalfOf: 'ann' });
    expect(second.toolCalls[0]).toMatchObject({ approval: 'approved', executed: true });
    expect(reads).toEqual(['/home/ann/a.txt', '/home/ann/b.txt']);
    const decided = (await api(t, 'GET', '/api/approvals?status=approved', tokens.reviewer)).body.items as ApprovalRecord[];
    expect(decided.find((r) => r.args.path === '/home/ann/b.txt')?.decision?.decidedBy.kind).toBe('grant');
  });
});
