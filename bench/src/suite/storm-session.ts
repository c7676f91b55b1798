import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { runReconnectStorm, type StormResult } from '../scenarios/reconnect-storm.js';
import type { BenchTarget } from '../servers/bench-target.js';
import type { ServerHolder } from './server-holder.js';
import type { Log } from './suite-log.js';

/** The reconnect storm in its own session: the server is killed mid-way and restarted on the same database. */
export async function runStormSession(target: BenchTarget, profile: BenchProfile, pool: WorkerPool, holder: ServerHolder, log: Log): Promise<StormResult> {
  const server = holder.add(await target.start());
  const outcome = await runReconnectStorm(pool, target, server, profile.storm.settings);
  holder.forget(server);
  holder.add(outcome.server);
  await holder.stop(outcome.server);
  const storm = outcome.result;
  log(
    `${target.id}: reconnect storm, ${storm.agents} agents: restart ${storm.restartMs} ms, all re-synced ${storm.allResyncedMs ?? 'NOT'} ms after SIGKILL ` +
      `(${storm.notSynced} not synced, ${storm.recordsReturned} records returned)`,
  );
  return storm;
}
