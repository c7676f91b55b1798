import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_AGENT_NAMES, demoAgentTokens } from '../src/demo/demo-agent-names.js';
import { startDemoAgents, type DemoAgents } from '../src/demo/start-demo-agents.js';
import { loadOrCreateDevTokens } from '../src/identity/dev-tokens.js';
import { createLogger } from '../src/runtime/logger.js';
import { api, defaultTokens, eventually, startTestHub, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
let demo: DemoAgents | undefined;
afterEach(async () => {
  await demo?.stop();
  await t.close();
});

describe('demo agents', () => {
  it('fill the queues of all four agents with pending requests and act on decisions', async () => {
    t = await startTestHub();
    demo = startDemoAgents({ url: t.url, token: tokens.agent, intervalMs: 200, log: createLogger('silent') });
    let pending: ApprovalRecord[] = [];
    await eventually(async () => {
      pending = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items;
      return new Set(pending.map((r) => r.agentName)).size === 4;
    }, 10_000);
    expect(new Set(pending.map((r) => r.queue))).toEqual(new Set(['ops', 'billing', 'comms', 'warehouse-db']));
    expect(pending.every((r) => ['delete_pod', 'send_payment', 'send_email', 'drop_table'].includes(r.toolName))).toBe(true);
    // The MCP demo's read-only list_tables (a trusted server) never reaches the queue either.
    expect(pending.some((r) => r.toolName === 'list_tables')).toBe(false);
    // Read-only get_pods never reaches the queue; mail inside the company domain neither.
    expect(pending.some((r) => r.toolName === 'get_pods')).toBe(false);
    expect(pending.filter((r) => r.toolName === 'send_email').every((r) => !String(r.args.to).endsWith('@example.com'))).toBe(true);
    // Every demo request says how risky it is and what it does; the SDK agents also say why (the MCP one cannot).
    expect(pending.every((r) => r.risk !== undefined && r.summary !== undefined)).toBe(true);
    expect(pending.filter((r) => r.toolName === 'drop_table').every((r) => r.risk === 'high' && r.summary === 'Drop warehouse table (warehouse-db)')).toBe(true);
    expect(pending.filter((r) => r.toolName !== 'drop_table').every((r) => (r.context?.rationale ?? '').length > 0)).toBe(true);
    expect(pending.filter((r) => r.toolName === 'delete_pod').every((r) => r.risk === (r.args.namespace === 'prod' ? 'critical' : 'medium'))).toBe(true);
    // They never flood: at most two runs in flight per SDK agent, one call for the MCP demo.
    await new Promise((r) => setTimeout(r, 1000));
    const later = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items as ApprovalRecord[];
    expect(later.length).toBeLessThanOrEqual(7);

    const target = later[0]!;
    expect((await api(t, 'POST', `/api/approvals/${target.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    await eventually(async () => {
      const timeline = (await api(t, 'GET', `/api/approvals/${target.requestId}`, tokens.reviewer)).body.timeline as { type: string }[];
      return timeline.some((e) => e.type === 'delivered');
    });
  });

  it('gate the destructive tool of the MCP demo server through the MCP proxy: the decision is delivered, and stop() withdraws a waiting call', async () => {
    t = await startTestHub();
    demo = startDemoAgents({ url: t.url, token: tokens.agent, intervalMs: 200, log: createLogger('silent') });
    const nextDrop = async (except: Set<string>): Promise<ApprovalRecord> => {
      let found: ApprovalRecord | undefined;
      await eventually(async () => {
        const items = (await api(t, 'GET', '/api/approvals?status=pending&queue=warehouse-db', tokens.reviewer)).body.items as ApprovalRecord[];
        found = items.find((r) => r.toolName === 'drop_table' && !except.has(r.requestId));
        return found !== undefined;
      }, 10_000);
      return found!;
    };
    const first = await nextDrop(new Set());
    expect(first).toMatchObject({ agentName: 'warehouse-db', description: 'Drop a warehouse table and all its rows. Cannot be undone.' });
    expect((await api(t, 'POST', `/api/approvals/${first.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    await eventually(async () => {
      const timeline = (await api(t, 'GET', `/api/approvals/${first.requestId}`, tokens.reviewer)).body.timeline as { type: string }[];
      return timeline.some((e) => e.type === 'delivered');
    });
    const waiting = await nextDrop(new Set([first.requestId]));
    await demo.stop();
    demo = undefined;
    expect((await api(t, 'GET', `/api/approvals/${waiting.requestId}`, tokens.reviewer)).body.status).toBe('cancelled');
  });

  it('each connects with its own token when it has one, so a request names the agent as who it is, not as a claim', async () => {
    const own = DEMO_AGENT_NAMES.map((name) => ({ token: `demo-token-${name}-0123456789`, role: 'agent' as const, name, id: name }));
    t = await startTestHub({ tokens: [...defaultTokens, ...own] });
    demo = startDemoAgents({ url: t.url, token: tokens.agent, agentTokens: demoAgentTokens(own, tokens.agent), intervalMs: 120_000, log: createLogger('silent') });
    let pending: ApprovalRecord[] = [];
    await eventually(async () => {
      pending = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items;
      return pending.length === 4;
    }, 10_000);
    expect(new Map(pending.map((r) => [r.agentName, r.agent.id]))).toEqual(new Map(DEMO_AGENT_NAMES.map((name) => [name, name])));
  });

  // The e2e demo flow clears the queue from the keyboard; it can only win when the demo does not refill it
  // faster. At a long interval every agent asks exactly once at start (the mail agent's first run always
  // needs approval), and nothing more arrives while those are decided.
  it('at a long interval, ask once each at start and wait: four requests, then none while they are decided', async () => {
    t = await startTestHub();
    demo = startDemoAgents({ url: t.url, token: tokens.agent, intervalMs: 120_000, log: createLogger('silent') });
    let pending: ApprovalRecord[] = [];
    await eventually(async () => {
      pending = (await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items;
      return pending.length === 4;
    }, 10_000);
    expect(new Set(pending.map((r) => r.toolName))).toEqual(new Set(['delete_pod', 'send_payment', 'send_email', 'drop_table']));
    for (const r of pending) expect((await api(t, 'POST', `/api/approvals/${r.requestId}/decision`, tokens.reviewer, { approved: false })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await api(t, 'GET', '/api/approvals?status=pending&limit=100', tokens.reviewer)).body.items).toEqual([]);
  });

  it('dev tokens: a new file holds one agent token per demo agent after the shared one; an older file is used as it is', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-devtokens-'));
    const fresh = loadOrCreateDevTokens(dir).tokens.filter((x) => x.role === 'agent');
    expect(fresh.map((x) => x.name)).toEqual(['demo-agents', ...DEMO_AGENT_NAMES]);
    expect(demoAgentTokens(fresh, fresh[0]!.token)['ops-agent']).toBe(fresh.find((x) => x.name === 'ops-agent')!.token);

    const older = mkdtempSync(path.join(tmpdir(), 'approval-hub-devtokens-'));
    const shared = { token: 'shared-agent-token-0123456789', role: 'agent', name: 'demo-agents', id: 'demo-agents' };
    writeFileSync(path.join(older, 'dev-tokens.json'), JSON.stringify([{ token: 'admin-token-0123456789ab', role: 'admin', name: 'Dev Admin', id: 'dev-admin' }, shared]), { mode: 0o600 });
    const loaded = loadOrCreateDevTokens(older);
    expect(loaded.created).toBe(false);
    expect(Object.values(demoAgentTokens(loaded.tokens, shared.token))).toEqual(DEMO_AGENT_NAMES.map(() => shared.token));
  });
});
