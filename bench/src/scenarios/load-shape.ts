import type { ConnectPlan } from '../load/worker-protocol.js';
import { agentToken, reviewerToken } from '../servers/bench-tokens.js';

/** Who is connected: agents that send, robot reviewers that decide at once, agents that only hold a connection. */
export interface LoadShape {
  agents: number;
  reviewers: number;
  idleAgents: number;
}

/** The part of a running server a plan needs: its name and its nodes. */
export interface ServerNodes {
  url: string;
  nodeUrls: readonly string[];
}

function emptyPlans(server: ServerNodes, workers: number): ConnectPlan[] {
  return Array.from({ length: workers }, () => ({ url: server.url, nodeUrls: [...server.nodeUrls], agents: [], idleAgents: [], reviewers: [] }));
}

export function describeShape(shape: LoadShape): string {
  const active = `${shape.agents} agents × ${shape.reviewers} reviewers`;
  return shape.idleAgents > 0 ? `${shape.idleAgents} idle + ${active}` : active;
}

/**
 * Splits a shape over the workers. Reviewers go round-robin, and a worker's agents only use its own reviewers'
 * queues, so every request is measured inside one process. Workers without a reviewer send nothing (they may
 * still hold idle agents). Agent i always has token i, so the hub sees one principal per agent socket.
 */
export function connectPlans(server: ServerNodes, shape: LoadShape, workers: number): ConnectPlan[] {
  const senders = Math.max(1, Math.min(workers, shape.reviewers));
  const plans = emptyPlans(server, workers);
  for (let r = 0; r < shape.reviewers; r++) plans[r % senders]!.reviewers.push({ token: reviewerToken(r), queue: `q${r}` });
  for (let a = 0; a < shape.agents; a++) plans[a % senders]!.agents.push(agentToken(a));
  for (let k = 0; k < shape.idleAgents; k++) plans[k % workers]!.idleAgents.push(agentToken(shape.agents + k));
  return plans;
}

/** The part of the total rate each worker sends: proportional to its agents. */
export function rateShares(plans: readonly ConnectPlan[], ratePerSecond: number): number[] {
  const agents = plans.reduce((n, p) => n + p.agents.length, 0);
  return plans.map((p) => (agents === 0 ? 0 : (ratePerSecond * p.agents.length) / agents));
}

/** Plans that only add idle agents (tokens from `firstToken` on), spread over all workers. */
export function idleAgentPlans(server: ServerNodes, firstToken: number, count: number, workers: number): ConnectPlan[] {
  const plans = emptyPlans(server, workers);
  for (let k = 0; k < count; k++) plans[k % workers]!.idleAgents.push(agentToken(firstToken + k));
  return plans;
}
