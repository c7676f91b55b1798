import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProcess, eventually, tempDir } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

describe('--elicit-approval: the person at the client decides through form elicitation, as their reviewer token', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  const asked: ElicitRequest['params'][] = [];
  let answer: (params: ElicitRequest['params']) => ElicitResult = () => ({ action: 'decline' });
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    proxy = await spawnProxy(
      ['--hub', hub.url, '--name', 'records', '--elicit-approval', ...recordsUpstream()],
      { HUB_AGENT_TOKEN: hub.agentToken, HUB_MCP_REVIEWER_TOKEN: hub.reviewerToken, CALL_LOG: callLog },
      { capabilities: { elicitation: { form: {} } } },
      (client) =>
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          asked.push(request.params);
          return answer(request.params);
        }),
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('approve with the arguments confirmed: filed as the mapped reviewer, bound to the arguments shown, and run', async () => {
    answer = () => ({ action: 'accept', content: { decision: 'approve', reason: 'my own agent', confirm: true } });
    const result = await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'e-1' } });
    expect(textOf(result)).toBe('deleted e-1');
    const form = asked.at(-1)!;
    expect(form.message).toContain('delete_record (records)');
    expect(form.message).toContain('Risk: high');
    expect(form.message).toContain('"id": "e-1"');
    const record = (await hub.all()).find((r) => r.args.id === 'e-1')!;
    expect(record.decision).toMatchObject({ approved: true, reason: 'my own agent (decided at the MCP client)', decidedBy: { kind: 'reviewer', name: 'Rita Reviewer' } });
    expect(form.message).toContain(record.requestId);
    expect(callsIn(callLog)).toEqual([{ tool: 'delete_record', args: { id: 'e-1' } }]);
  });

  it('deny with a reason: [DENIED] with it, nothing runs', async () => {
    answer = () => ({ action: 'accept', content: { decision: 'deny', reason: 'wrong record' } });
    const result = await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'e-2' } });
    expect(textOf(result)).toBe('[DENIED] wrong record (decided at the MCP client)');
    expect(callsIn(callLog).some((c) => c.args.id === 'e-2')).toBe(false);
  });

  it('a high-risk approval without the confirmation, or a declined form, leaves the call to the queue’s reviewers', async () => {
    answer = () => ({ action: 'accept', content: { decision: 'approve' } });
    const unconfirmed = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'e-3' } });
    const pending = await hub.waitForPending('delete_record', (r) => r.args.id === 'e-3');
    await eventually(() => (asked.some((a) => a.message.includes(pending.requestId)) ? true : undefined), 10_000, 'the form');
    expect((await hub.get(pending.requestId)).status).toBe('pending');
    await hub.decide(pending.requestId, { approved: false, reason: 'Not today' });
    expect(textOf(await unconfirmed)).toBe('[DENIED] Not today');

    answer = () => ({ action: 'decline' });
    const declined = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'e-4' } });
    const next = await hub.waitForPending('delete_record', (r) => r.args.id === 'e-4');
    await hub.decide(next.requestId, { approved: true });
    expect(textOf(await declined)).toBe('deleted e-4');
  });
});
