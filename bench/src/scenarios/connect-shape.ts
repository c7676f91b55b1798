import type { WorkerPool } from '../load/worker-pool.js';
import type { ConnectPlan } from '../load/worker-protocol.js';
import { connectPlans, type LoadShape, type ServerNodes } from './load-shape.js';

export interface ConnectedShape {
  plans: ConnectPlan[];
  /** Wall time until every socket of the shape was connected (and reviewers subscribed). */
  connectMs: number;
}

export async function connectShape(pool: WorkerPool, server: ServerNodes, shape: LoadShape): Promise<ConnectedShape> {
  const plans = connectPlans(server, shape, pool.size);
  const started = performance.now();
  await pool.all(plans.map((plan) => ({ type: 'connect', plan }) as const), 'connected');
  return { plans, connectMs: Math.round(performance.now() - started) };
}

/** Closes every socket the workers hold to the server at `url`. */
export async function disconnectAll(pool: WorkerPool, url: string): Promise<void> {
  await pool.all(Array.from({ length: pool.size }, () => ({ type: 'disconnect', url }) as const), 'disconnected');
}
