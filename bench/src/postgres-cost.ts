import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '@approval-hub/test-postgres';
import pg from 'pg';
import { WorkerPool } from './load/worker-pool.js';
import { connectShape, disconnectAll } from './scenarios/connect-shape.js';
import { runMeasuredStep, type StepSettings } from './scenarios/measured-step.js';
import { BENCH_POSTGRES_SETTINGS } from './servers/bench-postgres.js';
import { spawnHub } from './servers/hub-target.js';
import { serverCluster } from './servers/server-cluster.js';
import type { ServerProcess } from './servers/server-process.js';
import { processTreeCpuMicros } from './stats/process-tree-cpu.js';

/**
 * `pnpm --filter @approval-hub/bench pg-cost [--nodes 1|3] [--rate N] [--seconds S]`: what one request costs the hub on
 * PostgreSQL, in counts that a loaded machine does not blur: hub CPU and PostgreSQL CPU per completed request (from
 * /proc, every backend of the server), transactions (pg_stat_database), statements (pg_stat_statements), and
 * NOTIFYs (a listener on every channel the hub uses: its change notices and Socket.IO's adapter), at a rate well
 * below saturation, 100 agents × 4 reviewers, each request approved by a reviewer and acknowledged by its agent.
 */
const USAGE = 'pg-cost [--nodes 1|3] [--rate 150] [--seconds 10] [--args-bytes 0] [--hub-main path/to/main.js] [--profile-dir dir]';

const CHANNELS = ['approval_hub', 'socket.io#/agent', 'socket.io#/reviewer', 'socket.io#/'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'hub-main': { type: 'string' }, 'profile-dir': { type: 'string' }, nodes: { type: 'string', default: '1' }, rate: { type: 'string', default: '150' }, seconds: { type: 'string', default: '10' }, 'args-bytes': { type: 'string', default: '0' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const nodes = Number(values.nodes);
  if (nodes !== 1 && nodes !== 3) throw new Error('--nodes is 1 or 3');
  const step: StepSettings = { ratePerSecond: Number(values.rate), durationMs: Number(values.seconds) * 1000, warmupMs: 1000, graceMs: 3000, argsBytes: Number(values['args-bytes']) };
  if (!Number.isInteger(step.argsBytes) || step.argsBytes < 0) throw new Error('--args-bytes is a whole number of bytes');

  const dir = mkdtempSync(path.join(tmpdir(), 'pg-cost-'));
  const postgres = await startPostgres({ settings: { ...BENCH_POSTGRES_SETTINGS, shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top', 'pg_stat_statements.track_planning': 'on' } });
  const pool = WorkerPool.start(2);
  const hubs: ServerProcess[] = [];
  let admin: pg.Client | null = null;
  let listener: pg.Client | null = null;
  try {
    const url = await postgres.createDatabase('pg_cost');
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    for (let n = 0; n < nodes; n++) {
      hubs.push(await spawnHub({ name: `hub-${n + 1}`, dir, port: 0, database: { kind: 'postgres', url }, agentTokens: 100, reviewerTokens: 4, ...(values['profile-dir'] ? { cpuProfileDir: path.resolve(values['profile-dir']) } : {}), ...(values['hub-main'] ? { mainScript: path.resolve(values['hub-main']) } : {}) }));
    }
    const databaseCpu = () => (postgres.pid === undefined ? 0 : processTreeCpuMicros(postgres.pid));
    const server = serverCluster(hubs, postgres.pid === undefined ? undefined : databaseCpu);
    const { plans } = await connectShape(pool, server, { agents: 100, reviewers: 4, idleAgents: 0 });

    listener = new pg.Client({ connectionString: url });
    await listener.connect();
    let notices = 0;
    listener.on('notification', () => notices++);
    for (const channel of CHANNELS) await listener.query(`LISTEN "${channel}"`);

    await runMeasuredStep(pool, server, plans, { ...step, durationMs: 3000 });
    const counters = async () => {
      const db = (await admin!.query<{ xact: string }>('SELECT xact_commit + xact_rollback AS xact FROM pg_stat_database WHERE datname = current_database()')).rows[0]!;
      const statements = (
        await admin!.query<{ calls: string; commits: string }>(
          `SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(calls) FILTER (WHERE query ~* '(^|;s*)COMMITs*$'), 0) AS commits
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()`,
        )
      ).rows[0]!;
      return { xact: Number(db.xact), calls: Number(statements.calls), commits: Number(statements.commits), notices };
    };
    await admin.query('SELECT pg_stat_statements_reset()');
    const before = await counters();
    const measured = await runMeasuredStep(pool, server, plans, step);
    // Statistics reach the views within a second (the stats collector); wait for the step's last writes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await counters();
    // By time spent in PostgreSQL: where its CPU goes (calls alone hide a statement that is slow with large arguments).
    const top = await admin.query<{ calls: string; ms: string; query: string }>(
      `SELECT calls, total_exec_time + total_plan_time AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = current_database() ORDER BY total_exec_time + total_plan_time DESC LIMIT 14`,
    );
    await disconnectAll(pool, server.url);

    // The counters also count the step's own readers (these queries) and the grace period: close enough, and the
    // same for every build measured. Requests counted are every one sent and completed (not only the recorded window).
    const requests = measured.sent;
    const per = (n: number) => Math.round((n / requests) * 100) / 100;
    const windowSeconds = step.durationMs / 1000;
    const cpuMicros = (percent: number | null) => (percent === null ? null : Math.round(((percent / 100) * 1e6 * windowSeconds) / Math.max(1, measured.achievedPerSecond * windowSeconds)));
    const report = {
      nodes,
      ratePerSecond: step.ratePerSecond,
      sent: requests,
      completed: measured.completed,
      achievedPerSecond: measured.achievedPerSecond,
      roundTripP99Ms: measured.latencyMs.roundTrip.p99,
      hubCpuMicrosPerRequest: cpuMicros(measured.server.cpuPercent),
      postgresCpuMicrosPerRequest: cpuMicros(measured.server.databaseCpuPercent),
      /** Every transaction, the single-statement reads and the adapter's NOTIFYs included. */
      transactionsPerRequest: per(after.xact - before.xact),
      /** Write transactions: COMMITs sent (alone or at the end of a message). */
      commitsPerRequest: per(after.commits - before.commits),
      statementsPerRequest: per(after.calls - before.calls),
      noticesPerRequest: per(after.notices - before.notices),
      otherLoadPercent: measured.machine?.otherPercent ?? null,
      argsBytes: step.argsBytes,
      topStatements: top.rows.map((r) => `${per(Number(r.calls))}/req  ${Math.round((Number(r.ms) * 1000) / requests)} µs/req  ${r.query}`),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await listener?.end().catch(() => {});
    await admin?.end().catch(() => {});
    await Promise.all(hubs.map((hub) => (values['profile-dir'] ? hub.stop() : hub.kill())));
    await pool.close();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
