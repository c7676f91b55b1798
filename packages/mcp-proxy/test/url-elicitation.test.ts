import { ElicitRequestSchema, ElicitationCompleteNotificationSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProcess, eventually, tempDir } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

type UrlParams = Extract<ElicitRequest['params'], { mode: 'url' }>;

/** What a person does with the link in a browser: the page reads the request, the button posts with the digest shown. */
async function openAndDecide(url: string, approved: boolean): Promise<{ status: number; body: { status?: string } }> {
  const token = new URL(url).pathname.split('/d/')[1]!;
  const api = new URL(`/api/decision-links/${token}`, url);
  const view = (await (await fetch(api)).json()) as { record: { argsDigest: string; proposal?: { argsDigest: string } } };
  const res = await fetch(api, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approved, reason: approved ? 'my own agent' : 'not that one', argsDigest: view.record.proposal?.argsDigest ?? view.record.argsDigest }),
  });
  return { status: res.status, body: (await res.json()) as { status?: string } };
}

describe('--elicit-approval with URL-mode elicitation: the client opens the request’s signed single-use decision link', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  const asked: ElicitRequest['params'][] = [];
  const completed: string[] = [];
  let answer: (params: ElicitRequest['params']) => ElicitResult = () => ({ action: 'decline' });
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    proxy = await spawnProxy(
      ['--hub', hub.url, '--name', 'records', '--elicit-approval', ...recordsUpstream()],
      { HUB_AGENT_TOKEN: hub.agentToken, HUB_MCP_REVIEWER_TOKEN: hub.reviewerToken, CALL_LOG: callLog },
      { capabilities: { elicitation: { url: {} } } },
      (client) => {
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          asked.push(request.params);
          return answer(request.params);
        });
        client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => {
          completed.push(n.params.elicitationId);
        });
      },
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('the client gets a link on the hub’s origin; opening it and approving decides as the mapped reviewer, and the call runs', async () => {
    let opened: Promise<{ status: number; body: { status?: string } }> | undefined;
    answer = (params) => {
      // A client shows the URL with its host and opens it once the person agrees; the decision happens on the page.
      opened = openAndDecide((params as UrlParams).url, true);
      return { action: 'accept' };
    };
    const result = await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'u-1' } });
    expect(textOf(result)).toBe('deleted u-1');
    const params = asked.at(-1)! as UrlParams;
    expect(params.mode).toBe('url');
    expect(new URL(params.url).origin).toBe(new URL(hub.url).origin);
    expect(new URL(params.url).pathname).toMatch(/^\/d\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(params.message).toContain('delete_record (records)');
    expect(params.message).toContain('Risk: high');
    expect((await opened)!).toMatchObject({ status: 200, body: { status: 'approved' } });

    const record = (await hub.all()).find((r) => r.args.id === 'u-1')!;
    expect(params.message).toContain(record.requestId);
    expect(record.decision).toMatchObject({ approved: true, reason: 'my own agent', decidedBy: { kind: 'reviewer', name: 'Rita Reviewer' } });
    expect(callsIn(callLog)).toEqual([{ tool: 'delete_record', args: { id: 'u-1' } }]);
    await eventually(() => (completed.includes(params.elicitationId) ? true : undefined), 10_000, 'notifications/elicitation/complete');

    // Single use: the same link decides nothing more.
    expect((await openAndDecide(params.url, false)).status).toBe(409);
    // The link is a credential: neither the proxy nor the hub logs it.
    const signature = params.url.split('.').at(-1)!;
    expect(proxy.stderr()).not.toContain(signature);
    expect(hub.output).not.toContain(signature);
  });

  it('denying on the page answers [DENIED] with the reason; nothing runs', async () => {
    let opened: Promise<{ status: number; body: { status?: string } }> | undefined;
    answer = (params) => {
      opened = openAndDecide((params as UrlParams).url, false);
      return { action: 'accept' };
    };
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'u-2' } });
    await eventually(() => opened, 15_000, 'the link opened');
    expect(await opened).toMatchObject({ status: 200, body: { status: 'denied' } });
    const result = await call;
    expect(textOf(result)).toBe('[DENIED] not that one');
    expect(callsIn(callLog).some((c) => c.args.id === 'u-2')).toBe(false);
  });

  it('a declined link leaves the call to the queue’s reviewers', async () => {
    answer = () => ({ action: 'decline' });
    const declined = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'u-3' } });
    const pending = await hub.waitForPending('delete_record', (r) => r.args.id === 'u-3');
    await eventually(() => (asked.some((a) => a.message.includes(pending.requestId)) ? true : undefined), 10_000, 'the link');
    expect((await hub.get(pending.requestId)).status).toBe('pending');
    await hub.decide(pending.requestId, { approved: true });
    expect(textOf(await declined)).toBe('deleted u-3');
  });
});
