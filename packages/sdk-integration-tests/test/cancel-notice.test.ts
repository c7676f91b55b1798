import { Agent, ApprovalCancelledError, connectHub, defineTool, scriptedModel, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

// Several processes may share one agent token; when one cancels a request, a call waiting on it elsewhere must
// not hang until a reconnect: the hub announces the cancel (`approval.cancelled`) to every socket of the agent.
let hub: HubProcess;
const clients: HubClient[] = [];
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.dispose();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function connect(agentName: string): HubClient {
  const client = connectHub({ url: hub.url, token: hub.agentToken, agentName, backoff: { initialDelayMs: 50, maxDelayMs: 400 } });
  clients.push(client);
  return client;
}

const call = { toolName: 'drop_table', args: { table: 'orders' }, runId: 'run-cancel' };

/** Milliseconds until `promise` settles. */
async function settleTime(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise.catch(() => undefined);
  return performance.now() - started;
}

describe('a request cancelled by another process on the same token', () => {
  it('settles the waiting call at once with ApprovalCancelledError, carrying the reason', async () => {
    // Two replicas of one agent: same token, same name, so they can join the same request.
    const waiting = connect('worker');
    const canceller = connect('worker');
    const decision = waiting.requestApproval({ ...call, requestId: 'req-cancel-sdk' });
    await hub.waitForPending((r) => r.requestId === 'req-cancel-sdk');

    // The other process joins the same request (same id and payload: idempotent) and aborts it, which cancels it on the hub.
    const controller = new AbortController();
    const joined = canceller.requestApproval({ ...call, requestId: 'req-cancel-sdk', signal: controller.signal });
    joined.catch(() => undefined);
    await canceller.waitUntilConnected();
    await new Promise((resolve) => setTimeout(resolve, 100)); // its (idempotent) request is on the wire, so the abort cancels on the hub
    controller.abort('the run was stopped');
    const elapsed = settleTime(decision);

    await expect(decision).rejects.toBeInstanceOf(ApprovalCancelledError);
    await expect(decision).rejects.toMatchObject({ requestId: 'req-cancel-sdk', reason: 'the run was stopped' });
    expect(await elapsed).toBeLessThan(2_000);
    await expect(joined).rejects.toMatchObject({ name: 'AbortError' });
    expect(waiting.connected).toBe(true);
  });

  it('settles the waiting call at once when the cancel comes over REST', async () => {
    const waiting = connect('worker-1');
    const decision = waiting.requestApproval({ ...call, requestId: 'req-cancel-rest' });
    await hub.waitForPending((r) => r.requestId === 'req-cancel-rest');

    const elapsed = settleTime(decision);
    const response = await fetch(`${hub.url}/api/approvals/req-cancel-rest/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'superseded' }),
    });
    expect(response.status).toBe(200);

    await expect(decision).rejects.toMatchObject({ name: 'ApprovalCancelledError', requestId: 'req-cancel-rest', reason: 'superseded' });
    expect(await elapsed).toBeLessThan(2_000);
  });

  it('an Agent run whose approval is cancelled elsewhere does not run the tool and reports it cancelled', async () => {
    const waiting = connect('runner');
    let ran = false;
    const dropTable = defineTool({
      name: 'drop_table',
      description: 'Drops a table.',
      parameters: z.object({ table: z.string() }),
      execute: () => {
        ran = true;
        return 'dropped';
      },
    });
    const agent = new Agent({
      name: 'runner',
      model: scriptedModel([{ toolCalls: [{ name: 'drop_table', args: { table: 'orders' } }] }, (messages) => `done: ${messages.at(-1)?.content ?? ''}`]),
      tools: [dropTable],
      approval: { policy: 'all', hub: waiting },
    });
    const run = agent.run('Drop the orders table');
    const pending = await hub.waitForPending((r) => r.toolName === 'drop_table' && r.agentName === 'runner');
    await fetch(`${hub.url}/api/approvals/${pending.requestId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'operator stopped it' }),
    });

    const result = await run;
    expect(ran).toBe(false);
    expect(result.toolCalls).toEqual([expect.objectContaining({ name: 'drop_table', approval: 'cancelled', executed: false })]);
  });

  it('a call made after the cancel, on the same requestId, settles as cancelled too (not as an internal error)', async () => {
    const client = connect('late');
    const controller = new AbortController();
    const first = client.requestApproval({ ...call, requestId: 'req-cancel-late', signal: controller.signal });
    first.catch(() => undefined);
    await hub.waitForPending((r) => r.requestId === 'req-cancel-late');
    controller.abort('stop');
    await expect.poll(async () => (await hub.get('req-cancel-late'))?.status).toBe('cancelled');

    await expect(client.requestApproval({ ...call, requestId: 'req-cancel-late' })).rejects.toBeInstanceOf(ApprovalCancelledError);
  });
});
