import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoAgents, type DemoAgents } from '../src/demo/start-demo-agents.js';
import { createLogger } from '../src/logger.js';
import { api, eventually, startTestHub, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
let demo: DemoAgents | undefined;
afterEach(async () => {
  await demo?.stop();
  await t.close();
});

describe('demo agents', () => {
  it('fill the queues of all three agents with pending requests and act on decisions', async () => {
    t = await startTestHub();
    demo = startDemoAgents({ url: t.url, token: tokens.agent, intervalMs: 200, log: createLogger('silent') });
    let pending: ApprovalRecord[] = [];
    await eventually(async () => {
      pending = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items;
      return new Set(pending.map((r) => r.agentName)).size === 3;
    }, 10_000);
    expect(new Set(pending.map((r) => r.queue))).toEqual(new Set(['ops', 'billing', 'comms']));
    expect(pending.every((r) => ['delete_pod', 'send_payment', 'send_email'].includes(r.toolName))).toBe(true);
    // Read-only get_pods never reaches the queue; mail inside the company domain neither.
    expect(pending.some((r) => r.toolName === 'get_pods')).toBe(false);
    expect(pending.filter((r) => r.toolName === 'send_email').every((r) => !String(r.args.to).endsWith('@example.com'))).toBe(true);
    // They never flood: at most two runs in flight per agent.
    await new Promise((r) => setTimeout(r, 1000));
    const later = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items as ApprovalRecord[];
    expect(later.length).toBeLessThanOrEqual(6);

    const target = later[0]!;
    expect((await api(t, 'POST', `/api/approvals/${target.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    await eventually(async () => {
      const timeline = (await api(t, 'GET', `/api/approvals/${target.requestId}`, tokens.reviewer)).body.timeline as { type: string }[];
      return timeline.some((e) => e.type === 'delivered');
    });
  });
});
