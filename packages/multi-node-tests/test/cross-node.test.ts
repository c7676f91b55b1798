import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import type { ApprovalRecord, ErrorCode } from '@approval-hub/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.js';
import { connectReviewer, type ReviewerSocket } from './support/reviewer-socket.js';

// Three hub nodes on one PostgreSQL behind nginx (deploy/start-local-cluster.sh), driven through sockets and REST.
let cluster: Cluster;
const clients: HubClient[] = [];
const reviewers: ReviewerSocket[] = [];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const r of reviewers.splice(0)) r.close();
});

function agentOn(url: string, agentName = 'multi-node-agent'): HubClient {
  const client = connectHub({ url, token: cluster.tokens.agent, agentName, backoff: { initialDelayMs: 50, maxDelayMs: 500 } });
  clients.push(client);
  return client;
}

async function reviewerOn(url: string): Promise<ReviewerSocket> {
  const reviewer = await connectReviewer(url, cluster.tokens.reviewer);
  reviewers.push(reviewer);
  return reviewer;
}

let made = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++made}`;

describe('across nodes', () => {
  it('the start script prints a console sign-in link through the load balancer, and its token signs in', async () => {
    const link = cluster.startOutput.match(/^Console sign-in \(reviewer\): (\S+)$/m)?.[1];
    expect(link).toBe(`${cluster.url}/#token=${cluster.tokens.reviewer}`);
    const me = await fetch(`${cluster.url}/api/me`, { headers: { authorization: `Bearer ${new URL(link!).hash.slice('#token='.length)}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { role: string }).role).toBe('reviewer');
  });

  it('a request made on node 1 appears live to a reviewer on node 2, and a REST decision on node 3 reaches the agent on node 1 at once', async () => {
    const [node1, node2, node3] = cluster.nodes;
    const reviewer = await reviewerOn(node2!.url);
    // Reviewers on the node that took the request and on the node that decides it, too: each node shows its own.
    const others = [await reviewerOn(node1!.url), await reviewerOn(node3!.url)];
    const agent = agentOn(node1!.url);
    const requestId = nextId('live');
    const decision = agent.requestApproval({ requestId, toolName: 'delete_pod', args: { name: 'web-1' }, runId: 'run-1', timeoutMs: 60_000 });

    const seen = await reviewer.nextRequest(requestId);
    expect(seen).toMatchObject({ requestId, status: 'pending', toolName: 'delete_pod' });

    const decidedAt = Date.now();
    const { status } = await cluster.rest(node3!.url, 'POST', `/api/approvals/${requestId}/decision`, { approved: true, reason: 'fine' });
    expect(status).toBe(200);
    await expect(decision).resolves.toMatchObject({ requestId, approved: true });
    // "At once": the change notice, not the 15 s sweep, carried it.
    expect(Date.now() - decidedAt).toBeLessThan(3000);

    // The reviewer on node 2 saw it resolved too (node 3's change notice carried it; node 2 read the record once).
    await expect.poll(() => reviewer.resolved.some((r) => r.requestId === requestId), { timeout: 5000 }).toBe(true);
    // Every node told its own reviewers, each event once: none missed, none doubled by another node's broadcast.
    for (const each of others) await expect.poll(() => each.resolved.some((r) => r.requestId === requestId), { timeout: 5000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const each of [reviewer, ...others]) {
      expect(each.requested.filter((r) => r.requestId === requestId)).toHaveLength(1);
      expect(each.resolved.filter((r) => r.requestId === requestId)).toMatchObject([{ requestId, status: 'approved' }]);
    }
    const detail = await cluster.rest<{ timeline: { type: string }[] }>(node2!.url, 'GET', `/api/approvals/${requestId}`);
    await expect.poll(async () => (await cluster.rest<{ timeline: { type: string }[] }>(node2!.url, 'GET', `/api/approvals/${requestId}`)).body.timeline.map((e) => e.type)).toContain('delivered');
    expect(detail.status).toBe(200);
  });

  it('a long-poll wait on node 2 returns when node 3 decides', async () => {
    const [node1, node2, node3] = cluster.nodes;
    const requestId = nextId('poll');
    const created = await cluster.rest<ApprovalRecord>(node1!.url, 'POST', '/api/approvals', { requestId, toolName: 'send_email', args: { to: 'a@example.test' }, runId: 'run-2', timeoutMs: 60_000 }, cluster.tokens.agent);
    expect(created.status).toBe(201);

    const started = Date.now();
    const waiting = cluster.rest<ApprovalRecord>(node2!.url, 'GET', `/api/approvals/${requestId}/wait?timeoutMs=25000`, undefined, cluster.tokens.agent);
    await new Promise((r) => setTimeout(r, 300));
    const decided = await cluster.rest(node3!.url, 'POST', `/api/approvals/${requestId}/decision`, { approved: false, reason: 'no' });
    expect(decided.status).toBe(200);
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect(woken.body).toMatchObject({ requestId, status: 'denied' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('two reviewers on different nodes deciding at the same instant: exactly one wins, the other gets already_decided with the winner’s record', async () => {
    const [node1, node2, node3] = cluster.nodes;
    const rounds = 30;
    let approvedWins = 0;
    for (let i = 0; i < rounds; i++) {
      const requestId = nextId('race');
      const created = await cluster.rest(node3!.url, 'POST', '/api/approvals', { requestId, toolName: 'pay', args: { cents: i }, runId: 'race', timeoutMs: 60_000 }, cluster.tokens.agent);
      expect(created.status).toBe(201);
      const [a, b] = await Promise.all([
        cluster.rest<ApprovalRecord & { error?: { code: ErrorCode; details?: ApprovalRecord } }>(node1!.url, 'POST', `/api/approvals/${requestId}/decision`, { approved: true }),
        cluster.rest<ApprovalRecord & { error?: { code: ErrorCode; details?: ApprovalRecord } }>(node2!.url, 'POST', `/api/approvals/${requestId}/decision`, { approved: false }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = a.status === 200 ? a.body : b.body;
      const loser = a.status === 200 ? b.body : a.body;
      expect(loser.error?.code).toBe('already_decided');
      expect(loser.error?.details).toMatchObject({ requestId, status: winner.status });
      if (winner.status === 'approved') approvedWins++;
      const timeline = (await cluster.rest<{ timeline: { type: string }[] }>(node3!.url, 'GET', `/api/approvals/${requestId}`)).body.timeline;
      expect(timeline.filter((e) => e.type === 'decided')).toHaveLength(1);
    }
    // Both nodes won some: the race was real, not one node always first.
    console.log(`cross-node races: ${rounds} rounds, node 1 won ${approvedWins}, node 2 won ${rounds - approvedWins}; ${rounds} single winners`);
  });

  it('a deadline fires exactly once although every node runs the timer', async () => {
    const [node1, node2] = cluster.nodes;
    const agent = agentOn(node1!.url);
    const ids = Array.from({ length: 10 }, () => nextId('expire'));
    const outcomes = Promise.all(ids.map((requestId) => agent.requestApproval({ requestId, toolName: 'restart', args: {}, runId: 'exp', timeoutMs: 1500 })));
    const results = await outcomes;
    for (const r of results) expect(r).toMatchObject({ approved: false });
    for (const requestId of ids) {
      const timeline = (await cluster.rest<{ timeline: { type: string }[] }>(node2!.url, 'GET', `/api/approvals/${requestId}`)).body.timeline;
      expect(timeline.filter((e) => e.type === 'expired')).toHaveLength(1);
    }
  });

  it('three nodes writing at full speed keep one gap-free audit chain that verifies', async () => {
    const agents = cluster.nodes.map((node, i) => agentOn(node.url, `writer-${i}`));
    const perNode = 60;
    const calls = agents.flatMap((agent, n) =>
      Array.from({ length: perNode }, (_, i) => {
        const requestId = nextId(`chain-${n}-${i}`);
        return { requestId, decision: agent.requestApproval({ requestId, toolName: 'write', args: { n, i }, runId: `chain-${n}`, timeoutMs: 60_000 }) };
      }),
    );
    let settled = 0;
    const statuses: Record<number, number> = {};
    const progress = setInterval(() => console.log(`chain test: ${settled} of ${calls.length} calls settled; decisions answered ${JSON.stringify(statuses)}`), 5000);
    // Reviewers decide from every node at once while the agents keep writing.
    await Promise.all(
      calls.map(async ({ requestId }, i) => {
        const node = cluster.nodes[i % cluster.nodes.length]!;
        for (let attempt = 0; attempt < 100; attempt++) {
          const r = await cluster.rest(node.url, 'POST', `/api/approvals/${requestId}/decision`, { approved: i % 2 === 0 });
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 200 || r.status === 409) return;
          await new Promise((resolve) => setTimeout(resolve, 50)); // not created yet (404)
        }
        throw new Error(`could not decide ${requestId}`);
      }),
    );
    const results = await Promise.all(calls.map((c) => c.decision.finally(() => settled++))).finally(() => clearInterval(progress));
    expect(results).toHaveLength(perNode * cluster.nodes.length);
    const verified = await cluster.verifyAudit();
    expect(verified.ok, verified.output).toBe(true);
  });
});
