import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import type { ApprovalDetail, ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import type { Cluster } from './cluster.js';

export interface KillScenario {
  /** How long agents keep asking. */
  durationMs: number;
  /** When (from the start) to SIGKILL the node. */
  killAtMs: number;
  /** Which node dies. */
  victim: number;
  agents: number;
  /** Requests per second across all agents. */
  ratePerSecond: number;
}

export interface KillOutcome {
  asked: number;
  answered: number;
  /** Calls that rejected (a lost request or decision). */
  failed: string[];
  /** Requests the database does not hold although the SDK kept asking until acknowledged. */
  missing: string[];
  /** Requests with more than one terminal audit row (decided / expired / cancelled). */
  doubleDecided: string[];
  /** Requests whose decision was never recorded as delivered. */
  undelivered: string[];
  /** Calls whose answer differs from the stored decision. */
  mismatched: string[];
  /** Decisions the reviewers made that came back 5xx or failed to connect (a node died under them). */
  reviewerErrors: number;
}

const TERMINAL = new Set(['decided', 'expired', 'cancelled']);

/**
 * Agents and a reviewer work through the load balancer at a steady rate while one node is SIGKILLed. Afterwards:
 * no acknowledged request lost, no request decided twice, every decision delivered, and the answer each agent got is
 * the one stored.
 */
export async function runNodeKill(cluster: Cluster, scenario: KillScenario): Promise<KillOutcome> {
  const clients: HubClient[] = Array.from({ length: scenario.agents }, (_, i) =>
    connectHub({ url: cluster.url, token: cluster.tokens.agent, agentName: `kill-agent-${i}`, backoff: { initialDelayMs: 50, maxDelayMs: 500 } }),
  );
  await Promise.all(clients.map((c) => c.waitUntilConnected()));
  const calls = new Map<string, Promise<ApprovalResponse | Error>>();
  let reviewerErrors = 0;
  let asking = true;
  const started = Date.now();
  const tag = started.toString(36);

  // The reviewer: decides whatever is pending, through the balancer, until every call is answered.
  let reviewing = true;
  const reviewer = (async () => {
    while (reviewing) {
      try {
        const response = await fetch(`${cluster.url}/api/approvals?status=pending&limit=200`, { headers: { authorization: `Bearer ${cluster.tokens.reviewer}` } });
        if (response.ok) {
          const { items } = (await response.json()) as { items: ApprovalRecord[] };
          await Promise.all(
            items.map(async (record) => {
              try {
                const decided = await fetch(`${cluster.url}/api/approvals/${record.requestId}/decision`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${cluster.tokens.reviewer}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ approved: record.requestId.charCodeAt(record.requestId.length - 1) % 2 === 0 }),
                });
                if (decided.status >= 500) reviewerErrors++;
                await decided.body?.cancel();
              } catch {
                reviewerErrors++;
              }
            }),
          );
        } else {
          reviewerErrors++;
          await response.body?.cancel();
        }
      } catch {
        reviewerErrors++;
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  })();

  const killer = new Promise<void>((resolve, reject) =>
    setTimeout(() => {
      cluster.kill(scenario.victim).then(resolve, reject);
    }, scenario.killAtMs),
  );
  const intervalMs = 1000 / scenario.ratePerSecond;
  let n = 0;
  while (asking) {
    const client = clients[n % clients.length]!;
    const requestId = `kill-${tag}-${n++}`;
    calls.set(
      requestId,
      client.requestApproval({ requestId, toolName: 'deploy', args: { n }, runId: `kill-${tag}`, timeoutMs: 120_000 }).catch((error: Error) => error),
    );
    await new Promise((r) => setTimeout(r, intervalMs));
    if (Date.now() - started >= scenario.durationMs) asking = false;
  }
  await killer;
  const answers = new Map<string, ApprovalResponse | Error>();
  await Promise.all([...calls].map(async ([id, call]) => answers.set(id, await call)));
  reviewing = false;
  await reviewer;
  for (const c of clients) c.close();

  const outcome: KillOutcome = { asked: calls.size, answered: 0, failed: [], missing: [], doubleDecided: [], undelivered: [], mismatched: [], reviewerErrors };
  const live = cluster.nodes.find((_, i) => i !== scenario.victim)!;
  for (const [requestId, answer] of answers) {
    if (answer instanceof Error) {
      outcome.failed.push(`${requestId}: ${answer.message}`);
      continue;
    }
    outcome.answered++;
    const { status, body } = await cluster.rest<ApprovalDetail>(live.url, 'GET', `/api/approvals/${requestId}`, undefined, cluster.tokens.admin);
    if (status !== 200) {
      outcome.missing.push(`${requestId} (${status})`);
      continue;
    }
    const types = body.timeline.map((e) => e.type);
    if (types.filter((t) => TERMINAL.has(t)).length !== 1) outcome.doubleDecided.push(requestId);
    if (!types.includes('delivered')) outcome.undelivered.push(requestId);
    if (!body.decision || body.decision.approved !== answer.approved || body.status !== answer.status) outcome.mismatched.push(requestId);
  }
  return outcome;
}
