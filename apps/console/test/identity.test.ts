import type { ApprovalRecord, AuditEntry } from '@approval-hub/protocol';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ConsoleProvider } from '../src/app/ConsoleContext';
import type { ConsoleServices } from '../src/app/services';
import { AgentName } from '../src/components/AgentName';
import { AuditLog } from '../src/components/history/AuditLog';
import { claimedAgentName, describeAgent } from '../src/domain/agentIdentity';
import { toHistoryRow } from '../src/domain/historyRow';
import { approvalsToCsv } from '../src/hub/historyExport';
import { T0, decided, ids, pending, syncedStore } from './fixtures';

/** An agent whose token is `ops-bot` that calls itself "trusted-ci". */
const liar = (overrides: Partial<ApprovalRecord> = {}) =>
  pending({ agent: { id: 'agent-ops', name: 'ops-bot' }, agentName: 'trusted-ci', toolName: 'prod.deploy', ...overrides });

describe('who asked: the authenticated agent first, the claimed label second', () => {
  it('a label that differs from the token is a claim; an equal one is not mentioned', () => {
    expect(claimedAgentName(liar())).toBe('trusted-ci');
    expect(describeAgent(liar())).toBe('ops-bot (claims “trusted-ci”)');
    const honest = pending({ agentName: 'deploy-bot' });
    expect(claimedAgentName(honest)).toBeNull();
    expect(describeAgent(honest)).toBe('deploy-bot');
  });

  it('renders the principal, then the claim as secondary text', () => {
    const html = renderToStaticMarkup(createElement(AgentName, { record: liar() }));
    expect(html).toBe(
      '<span class="agent-name" title="Authenticated agent ops-bot (agent-ops)">ops-bot</span><span class="agent-claim"> · claims “trusted-ci”</span>',
    );
    expect(renderToStaticMarkup(createElement(AgentName, { record: pending({ agentName: 'deploy-bot' }) }))).not.toContain('claims');
  });

  it('the agent filter and its counts use the principal, so a claimed name cannot hide among the real one', () => {
    const real = pending({ agent: { id: 'agent-ci', name: 'trusted-ci' }, agentName: 'trusted-ci', createdMs: T0 + 1 });
    const fake = liar();
    const { store } = syncedStore([real, fake]);
    expect(store.getState().facets.agent).toEqual({ 'trusted-ci': 1, 'ops-bot': 1 });
    store.getState().setFilter('agent', 'trusted-ci');
    expect(ids(store)).toEqual([real.requestId]);
    store.getState().setFilter('agent', 'ops-bot');
    expect(ids(store)).toEqual([fake.requestId]);
  });

  it('search matches the principal name, not the claimed label', () => {
    const fake = liar();
    const { store } = syncedStore([fake, pending({ createdMs: T0 + 1 })]);
    store.getState().setSearch('ops-bot');
    expect(ids(store)).toEqual([fake.requestId]);
    store.getState().setSearch('trusted-ci');
    expect(ids(store)).toEqual([]);
  });

  it('notices name the principal and the claim', () => {
    const fake = liar();
    const { store } = syncedStore([fake]);
    store.getState().applyEvents([{ type: 'resolved', record: decided(fake, 'denied') }]);
    expect(store.getState().notices.at(-1)?.text).toBe('prod.deploy from ops-bot (claims “trusted-ci”) was denied by Bob.');

    const other = liar();
    store.getState().applyEvents([{ type: 'request', record: other }]);
    expect(store.getState().arrivals?.agents).toEqual(['ops-bot']);
    store.getState().select(other.requestId);
    store.getState().startDecision(other.requestId, 'approve', null);
    store.getState().settleDecision(other.requestId, { type: 'ack', ack: { ok: true, data: decided(other, 'approved') } });
    expect(store.getState().notices.at(-1)?.text).toBe('Approved prod.deploy from ops-bot (claims “trusted-ci”).');
  });

  it('history rows and the CSV carry the principal, its id and the claim in their own columns', () => {
    const record = decided(liar(), 'approved');
    expect(toHistoryRow(record, null)).toMatchObject({ agent: 'ops-bot', agentId: 'agent-ops', agentClaimedName: 'trusted-ci' });
    const [header, row] = approvalsToCsv([record, decided(pending({ agentName: 'deploy-bot' }), 'denied')]).split('\r\n').slice(0, 3) as [string, string, string];
    expect(header.split(',').slice(2, 7)).toEqual(['toolName', 'agent', 'agentId', 'agentClaimedName', 'queue']);
    expect(row.split(',').slice(2, 7)).toEqual(['prod.deploy', 'ops-bot', 'agent-ops', 'trusted-ci', 'default']);
  });
});

describe('audit counters are for admins only', () => {
  function renderAudit(entries: AuditEntry[]) {
    const { store } = syncedStore();
    const ticket = store.getState().beginAuditPage('first');
    store.getState().receiveAuditPage(ticket!.seq, { items: entries, nextCursor: null });
    expect(store.getState().audit.items).toHaveLength(entries.length);
    // Rendered on the "server", zustand reads `getInitialState()`: point it at the state we set up.
    const services = { store: { ...store, getInitialState: store.getState }, history: { loadAudit: async () => {}, loadHistory: async () => {}, openTimeline: async () => {} } };
    return renderToStaticMarkup(createElement(ConsoleProvider, { services: services as unknown as ConsoleServices, children: createElement(AuditLog) }));
  }
  const entry = (type: AuditEntry['type'], extra: Partial<AuditEntry> = {}): AuditEntry => ({
    at: new Date(T0).toISOString(),
    type,
    requestId: 'req-a',
    queue: 'default',
    actor: { kind: 'agent', id: 'agent-ops', name: 'ops-bot' },
    data: null,
    ...extra,
  });

  it('a reviewer’s audit log (no seq, no hashes) has no # column, and equal-looking entries all show', () => {
    const html = renderAudit([entry('requested'), entry('requested'), entry('delivered')]);
    expect(html).not.toContain('<th scope="col">#</th>');
    expect(html.match(/<tr>/g)).toHaveLength(4); // header + 3 rows
  });

  it('an admin’s shows seq', () => {
    const html = renderAudit([entry('requested', { seq: 41, prevHash: 'a', hash: 'b' }), entry('delivered', { seq: 42, prevHash: 'b', hash: 'c' })]);
    expect(html).toContain('<th scope="col">#</th>');
    expect(html).toContain('<td class="mono" data-label="#">42</td>');
  });
});
