import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import type { Ack, ApprovalRecord, ApprovalResponse, QueueSnapshot } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import type { CrashPoint } from '../../src/runtime/crash-hook.js';
import { verifyDatabase } from '../../src/store/sqlite/verify-database.js';
import { crashMainPath, runCli, startHubProcess } from './run-cli.js';
import { seededRandom, type Random } from './seeded-random.js';
import { freePort } from '@approval-hub/test-ports';

/** How one hub generation dies: at a named point inside the hub (HUB_CRASH_AT), or from outside after a random time. */
export type KillPlan = { kind: 'point'; point: CrashPoint; n: number } | { kind: 'random'; afterMs: number };

export interface CrashScenario {
  seed: number;
  /** One hub process per entry, each killed with SIGKILL as planned; a final one runs until everything settles. */
  kills: KillPlan[];
  agents?: number;
  reviewers?: number;
  /** Longest a point kill may take to be reached before the harness kills from outside instead. */
  pointTimeoutMs?: number;
  /** Also check the chain with the built `approval-hub audit verify` (a process start, so not every run). */
  verifyWithCli?: boolean;
}

export interface KillOutcome {
  plan: KillPlan;
  /** `point`: the hub died at its crash point; `random`: killed from outside; `fallback`: the point was not reached in time, killed from outside. */
  how: 'point' | 'random' | 'fallback';
  /** How long the process ran before it died. */
  ranMs: number;
}

export interface ScenarioReport {
  seed: number;
  kills: KillOutcome[];
  requests: number;
  /** Requests the SDK sent more than once (its own debug log, with the requestId). */
  resentBySdk: number;
  reviewerAcks: number;
  expired: number;
  autoDecided: number;
  violations: string[];
  durationMs: number;
}

const AGENT_TOKEN = (i: number) => `crash-agent-token-${i}-0123456789`;
const RAW_AGENT_TOKEN = 'crash-raw-agent-token-0123456789';
const REVIEWER_TOKEN = (i: number) => `crash-reviewer-token-${i}-0123456789`;
/** Requests whose deadline the reviewers leave to the timer. */
const DEADLINE_MS = 1000;

type RequestKind = 'review' | 'deadline' | 'policy';

interface Issued {
  requestId: string;
  kind: RequestKind;
  via: 'sdk' | 'raw';
  /** What the agent received as its decision (SDK resolution, or the raw agent's delivered response). */
  response?: ApprovalResponse;
  /** Set when the call failed for good: always a violation, the SDK must not give up on retryable errors. */
  failure?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type HubProcess = ReturnType<typeof startHubProcess>;

function exitOf(hub: HubProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = hub;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Runs agents (SDK clients and one raw Socket.IO client that records its acks) and reviewers against a real hub
 * process, kills that process with SIGKILL as planned, restarts it on the same database and port, lets the clients
 * reconnect on their own, and checks the hub's promises against the database at the end.
 */
export async function runCrashScenario(scenario: CrashScenario): Promise<ScenarioReport> {
  const started = Date.now();
  const rng = seededRandom(scenario.seed);
  const agentCount = scenario.agents ?? 3;
  const reviewerCount = scenario.reviewers ?? 2;
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-crash-'));
  const dbPath = path.join(dir, 'hub.db');
  const configFile = path.join(dir, 'hub.json');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    configFile,
    JSON.stringify({
      host: '127.0.0.1',
      dbPath,
      durability: 'normal',
      demo: { enabled: false },
      logLevel: 'warn',
      tokens: [
        ...Array.from({ length: agentCount }, (_, i) => ({ token: AGENT_TOKEN(i), role: 'agent', name: `agent-${i}` })),
        { token: RAW_AGENT_TOKEN, role: 'agent', name: 'raw-agent' },
        ...Array.from({ length: reviewerCount }, (_, i) => ({ token: REVIEWER_TOKEN(i), role: 'reviewer', name: `Reviewer ${i}`, id: `reviewer-${i}` })),
      ],
      approval: { policies: [{ rule: 'reads-are-safe', match: { toolName: 'read_file' }, action: 'approve' }] },
      limits: { ratePerSecond: 10_000, rateBurst: 10_000 },
    }),
  );

  const violations: string[] = [];
  const issued = new Map<string, Issued>();
  const reviewerAcks = new Map<string, { reviewer: string; record: ApprovalRecord }[]>();
  const resent = new Set<string>();
  const sockets: Socket[] = [];
  const clients: HubClient[] = [];
  const calls: Promise<void>[] = [];
  let hub: HubProcess | null = null;
  let issuing = true;
  let finished = false;

  /** Starts a generation; a point kill may already fire during startup (expiring what fell due while it was down). */
  const startHub = async (plan?: KillPlan) => {
    const env: Record<string, string> = plan?.kind === 'point' ? { HUB_CRASH_AT: `${plan.point}:${plan.n}` } : {};
    // --port and --db on the command line, so PORT/HUB_DB in the test's environment cannot redirect the hub.
    // Point kills need the test-only entry: the production one ignores HUB_CRASH_AT.
    const proc = startHubProcess(['--config', configFile, '--port', String(port), '--db', dbPath], env, plan?.kind === 'point' ? crashMainPath : undefined);
    try {
      await proc.ready;
    } catch (error) {
      if (proc.child.signalCode !== 'SIGKILL' || plan?.kind !== 'point') throw error;
    }
    return proc;
  };

  try {
    hub = await startHub(scenario.kills[0]);

    // Reviewers decide every `review` request they see, a second one racing the first now and then.
    for (let i = 0; i < reviewerCount; i++) {
      const reviewerId = `reviewer-${i}`;
      const socket = io(`${url}/reviewer`, { auth: { token: REVIEWER_TOKEN(i) }, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 300 });
      sockets.push(socket);
      const answered = new Set<string>();
      const inFlight = new Set<string>();
      const consider = (record: ApprovalRecord) => {
        if (record.status !== 'pending' || record.args.kind !== 'review') return;
        if (answered.has(record.requestId) || inFlight.has(record.requestId)) return;
        if (i > 0 && !rng.chance(0.4)) return;
        inFlight.add(record.requestId);
        setTimeout(() => {
          socket
            .timeout(2000)
            .emitWithAck('approval.response', { requestId: record.requestId, approved: rng.chance(0.5), reason: `decided by ${reviewerId}` })
            .then((ack: Ack<ApprovalRecord>) => {
              if (ack.ok) {
                const list = reviewerAcks.get(record.requestId) ?? [];
                list.push({ reviewer: reviewerId, record: ack.data });
                reviewerAcks.set(record.requestId, list);
              }
              // Anything but `internal` is final; a lost ack or `internal` is retried from the next snapshot.
              if (ack.ok || ack.error.code !== 'internal') answered.add(record.requestId);
            })
            .catch(() => undefined)
            .finally(() => inFlight.delete(record.requestId));
        }, rng.int(0, 150));
      };
      socket.on('connect', () => {
        socket
          .timeout(2000)
          .emitWithAck('queue.subscribe', {})
          .then((ack: Ack<QueueSnapshot>) => {
            if (ack.ok) ack.data.pending.forEach(consider);
          })
          .catch(() => undefined);
      });
      socket.on('approval.request', consider);
    }

    // The raw agent sees its acks: every `ok` it gets must be a committed row. It re-sends like any client would.
    const raw = io(`${url}/agent`, { auth: { token: RAW_AGENT_TOKEN }, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 300 });
    sockets.push(raw);
    const rawAcked = new Set<string>();
    const rawResponses = new Map<string, ApprovalResponse[]>();
    raw.on('approval.response', (payload: ApprovalResponse, ack?: (receipt: unknown) => void) => {
      const list = rawResponses.get(payload.requestId) ?? [];
      list.push(payload);
      rawResponses.set(payload.requestId, list);
      ack?.({ ok: true, data: { requestId: payload.requestId } });
    });
    const sendRaw = async (requestId: string) => {
      const input = { requestId, toolName: 'delete_pod', args: { kind: 'review', n: requestId }, runId: 'raw-run' };
      const entry: Issued = { requestId, kind: 'review', via: 'raw' };
      issued.set(requestId, entry);
      while (!finished) {
        if (!raw.connected) {
          await sleep(30);
          continue;
        }
        try {
          const ack = (await raw.timeout(2000).emitWithAck('approval.request', input)) as Ack<ApprovalRecord>;
          if (ack.ok) {
            rawAcked.add(requestId);
            return;
          }
          if (ack.error.code !== 'internal' && ack.error.code !== 'rate_limited') {
            entry.failure = `raw agent got ${ack.error.code}: ${ack.error.message}`;
            return;
          }
        } catch {
          // Lost ack or connection: send the same requestId again.
        }
        await sleep(50);
      }
    };

    // SDK agents: the promise resolves once with the decision, across crashes.
    for (let i = 0; i < agentCount; i++) {
      const client = connectHub({
        url,
        token: AGENT_TOKEN(i),
        agentName: `agent-${i}`,
        requestTimeoutMs: 2000,
        backoff: { initialDelayMs: 50, maxDelayMs: 300 },
        logger: {
          debug: (message, context) => {
            const id = (context as { requestId?: unknown } | undefined)?.requestId;
            if (typeof id === 'string' && /again/i.test(message)) resent.add(id);
          },
          info: () => {},
          warn: () => {},
          error: () => {},
        },
      });
      clients.push(client);
    }

    const issueLoop = async (agentIndex: number) => {
      const client = clients[agentIndex]!;
      const inFlight = new Set<Promise<void>>();
      for (let j = 0; issuing && j < 400; j++) {
        const requestId = `a${agentIndex}-${j}-${rng.int(0, 1e9).toString(36)}`;
        const roll = rng.next();
        const kind: RequestKind = roll < 0.5 ? 'review' : roll < 0.85 ? 'deadline' : 'policy';
        const entry: Issued = { requestId, kind, via: 'sdk' };
        issued.set(requestId, entry);
        const call = client
          .requestApproval({
            requestId,
            toolName: kind === 'policy' ? 'read_file' : 'delete_pod',
            args: { kind, n: j },
            runId: `run-${agentIndex}`,
            timeoutMs: kind === 'deadline' ? DEADLINE_MS + rng.int(0, 500) : 120_000,
          })
          .then(
            (response) => {
              entry.response = response;
            },
            (error: unknown) => {
              entry.failure = `SDK call failed: ${(error as Error).name}: ${(error as Error).message}`;
            },
          );
        calls.push(call);
        inFlight.add(call);
        // `call` cannot reject: both outcomes are recorded on `entry` above.
        call.finally(() => inFlight.delete(call)).catch(() => {});
        if (agentIndex === 0 && j % 2 === 0) calls.push(sendRaw(`raw-${j}-${rng.int(0, 1e9).toString(36)}`));
        while (inFlight.size >= 3) await Promise.race(inFlight);
        await sleep(rng.int(0, 60));
      }
    };
    const loops = Array.from({ length: agentCount }, (_, i) => issueLoop(i));

    // The kills: each generation dies as planned, then a new one starts on the same database after a short outage.
    const kills: KillOutcome[] = [];
    for (let k = 0; k < scenario.kills.length; k++) {
      const plan = scenario.kills[k]!;
      const bornAt = Date.now();
      let how: KillOutcome['how'];
      if (plan.kind === 'random') {
        await sleep(plan.afterMs);
        hub.child.kill('SIGKILL');
        how = 'random';
      } else if (hub.child.signalCode === 'SIGKILL') {
        how = 'point'; // died while starting up
      } else {
        const died = await Promise.race([exitOf(hub).then(() => true), sleep(scenario.pointTimeoutMs ?? 6000).then(() => false)]);
        if (!died) hub.child.kill('SIGKILL');
        how = died ? 'point' : 'fallback';
      }
      const exit = await exitOf(hub);
      if (exit.signal !== 'SIGKILL') violations.push(`generation ${k} ended with ${exit.signal ?? `exit code ${exit.code}`}, not SIGKILL:\n${hub.output().slice(-2000)}`);
      kills.push({ plan, how, ranMs: Date.now() - bornAt });
      await sleep(rng.int(0, 400));
      hub = await startHub(scenario.kills[k + 1]);
    }

    // Settle: stop issuing, then every call must end with a decision.
    issuing = false;
    await Promise.all(loops);
    const settled = await Promise.race([Promise.all(calls).then(() => true), sleep(30_000).then(() => false)]);
    if (!settled) {
      const open = [...issued.values()].filter((e) => !e.response && !e.failure && !(e.via === 'raw' && rawAcked.has(e.requestId)));
      violations.push(`${open.length} request(s) never settled, e.g. ${open.slice(0, 3).map((e) => e.requestId).join(', ')}`);
    }
    const rawIds = [...issued.values()].filter((e) => e.via === 'raw').map((e) => e.requestId);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && rawIds.some((id) => !rawResponses.has(id))) await sleep(50);
    while (Date.now() < deadline && (queryOne(dbPath, 'SELECT COUNT(*) AS n FROM deliveries') as { n: number }).n > 0) await sleep(50);

    for (const client of clients) client.close();
    for (const socket of sockets) socket.disconnect();
    const stopCode = await hub.stop('SIGTERM');
    if (stopCode !== 0) violations.push(`the final hub did not stop cleanly (exit ${stopCode})`);

    for (const id of rawIds) {
      const responses = rawResponses.get(id) ?? [];
      const entry = issued.get(id)!;
      if (responses[0]) entry.response = responses[0];
      const distinct = new Set(responses.map((r) => JSON.stringify(r)));
      if (distinct.size > 1) violations.push(`${id}: the agent was delivered ${distinct.size} different decisions`);
    }
    violations.push(...checkInvariants(dbPath, issued, reviewerAcks, rawAcked));
    if (scenario.verifyWithCli) {
      const verify = runCli(['audit', 'verify', '--db', dbPath]);
      if (verify.code !== 0) violations.push(`approval-hub audit verify exited ${verify.code}: ${verify.stdout}${verify.stderr}`);
    }

    const db = new Database(dbPath, { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const report: ScenarioReport = {
      seed: scenario.seed,
      kills,
      requests: issued.size,
      resentBySdk: [...resent].filter((id) => issued.has(id)).length,
      reviewerAcks: [...reviewerAcks.values()].reduce((n, list) => n + list.length, 0),
      expired: count("SELECT COUNT(*) AS n FROM approvals WHERE status = 'expired'"),
      autoDecided: count("SELECT COUNT(*) AS n FROM audit WHERE type IN ('auto_approved', 'auto_denied')"),
      violations,
      durationMs: Date.now() - started,
    };
    db.close();
    if (violations.length === 0) rmSync(dir, { recursive: true, force: true });
    else violations.push(`database kept for inspection: ${dbPath}`);
    return report;
  } finally {
    issuing = false;
    finished = true;
    for (const client of clients) client.close();
    for (const socket of sockets) socket.disconnect();
    if (hub && hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL');
  }
}

function queryOne(dbPath: string, sql: string): unknown {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get();
  } finally {
    db.close();
  }
}

interface Row {
  request_id: string;
  principal_id: string;
  status: string;
  expires_at: number;
  decision: string | null;
}

const FINAL_TYPES = new Set(['decided', 'auto_approved', 'auto_denied', 'expired', 'cancelled']);

/** The promises, checked against what the database holds after the last run. Returns one line per violation. */
export function checkInvariants(
  dbPath: string,
  issued: ReadonlyMap<string, Issued>,
  reviewerAcks: ReadonlyMap<string, { reviewer: string; record: ApprovalRecord }[]>,
  rawAcked: ReadonlySet<string>,
): string[] {
  const violations: string[] = [];
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT request_id, principal_id, status, expires_at, decision FROM approvals').all() as Row[];
    const byId = new Map<string, Row[]>();
    for (const row of rows) byId.set(row.request_id, [...(byId.get(row.request_id) ?? []), row]);
    const auditCounts = new Map<string, Map<string, number>>();
    for (const { request_id, type, n } of db.prepare('SELECT request_id, type, COUNT(*) AS n FROM audit WHERE request_id IS NOT NULL GROUP BY request_id, type').all() as {
      request_id: string;
      type: string;
      n: number;
    }[]) {
      const counts = auditCounts.get(request_id) ?? new Map<string, number>();
      counts.set(type, n);
      auditCounts.set(request_id, counts);
    }

    for (const row of rows) if (!issued.has(row.request_id)) violations.push(`${row.request_id}: a row nobody asked for`);
    for (const id of rawAcked) if ((byId.get(id)?.length ?? 0) !== 1) violations.push(`${id}: acked to the agent but ${byId.get(id)?.length ?? 0} rows`);

    for (const entry of issued.values()) {
      const id = entry.requestId;
      if (entry.failure) violations.push(`${id}: ${entry.failure}`);
      const found = byId.get(id) ?? [];
      if (found.length !== 1) {
        violations.push(`${id}: ${found.length} rows (expected exactly one)`);
        continue;
      }
      const row = found[0]!;
      const counts = auditCounts.get(id) ?? new Map<string, number>();
      if ((counts.get('requested') ?? 0) !== 1) violations.push(`${id}: ${counts.get('requested') ?? 0} 'requested' audit rows`);
      const finals = [...counts].filter(([type]) => FINAL_TYPES.has(type)).reduce((n, [, c]) => n + c, 0);
      if (finals !== 1) violations.push(`${id}: ${finals} decisions in the audit log (${[...counts].map(([t, c]) => `${t}×${c}`).join(', ')})`);
      // The hub's own re-delivery, not just the SDK's sync: every decision receipted by its agent exactly once.
      if ((counts.get('delivered') ?? 0) !== 1) violations.push(`${id}: receipted ${counts.get('delivered') ?? 0} times by its agent`);
      if (row.status === 'pending' || row.decision === null) {
        violations.push(`${id}: still ${row.status} at the end`);
        continue;
      }
      const decision = JSON.parse(row.decision) as NonNullable<ApprovalRecord['decision']>;

      // A decision always reaches its agent, and it is the one the database holds.
      const response = entry.response;
      if (!response) violations.push(`${id}: the agent never received its decision (${row.status})`);
      else if (response.status !== row.status || response.approved !== decision.approved || response.decidedAt !== decision.decidedAt || JSON.stringify(response.decidedBy) !== JSON.stringify(decision.decidedBy)) {
        violations.push(`${id}: the agent received ${response.status}/${response.approved} by ${JSON.stringify(response.decidedBy)}, the database holds ${row.status}/${decision.approved} by ${JSON.stringify(decision.decidedBy)}`);
      }

      // Every decision acked to a reviewer is the one decision.
      const acks = reviewerAcks.get(id) ?? [];
      if (acks.length > 1) violations.push(`${id}: ${acks.length} reviewers were told their decision won (${acks.map((a) => a.reviewer).join(', ')})`);
      for (const ack of acks) {
        if (ack.record.decision?.decidedAt !== decision.decidedAt || decision.decidedBy.kind !== 'reviewer' || decision.decidedBy.id !== ack.reviewer) {
          violations.push(`${id}: ${ack.reviewer} was acked a decision the database does not hold`);
        }
      }

      // Deadlines: due ones fired exactly once, never early, never over a reviewer's decision.
      const expiredRows = counts.get('expired') ?? 0;
      if (row.status === 'expired') {
        if (expiredRows !== 1) violations.push(`${id}: expired with ${expiredRows} 'expired' audit rows`);
        if (decision.decidedBy.kind !== 'timeout') violations.push(`${id}: expired but decided by ${decision.decidedBy.kind}`);
        if (Date.parse(decision.decidedAt) < row.expires_at) violations.push(`${id}: expired at ${decision.decidedAt}, before its deadline ${new Date(row.expires_at).toISOString()}`);
      } else if (expiredRows !== 0) {
        violations.push(`${id}: ${row.status} but also has ${expiredRows} 'expired' audit rows`);
      }
      if (entry.kind === 'deadline' && row.status !== 'expired') violations.push(`${id}: nobody decided it, yet it is ${row.status}`);
      if (entry.kind === 'review' && row.status === 'expired') violations.push(`${id}: a review request with a long deadline expired`);
      if (entry.kind === 'policy' && decision.decidedBy.kind !== 'policy') violations.push(`${id}: policy request decided by ${decision.decidedBy.kind}`);
    }

    const verify = verifyDatabase(db);
    if (!verify.ok) violations.push(`audit chain broken: ${JSON.stringify(verify.firstBad)}`);
    const undelivered = (db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n;
    if (undelivered > 0) violations.push(`${undelivered} decision(s) never acknowledged by their agent`);
  } finally {
    db.close();
  }
  return violations;
}

/** Kill plans for one scenario: a point kill (n chosen so traffic reaches it) followed by random-timing kills. */
export function killPlansFor(point: CrashPoint, rng: Random, randomKills: number): KillPlan[] {
  const maxN: Record<CrashPoint, number> = {
    'request.before-commit': 8,
    'request.after-commit': 8,
    'request.after-forward': 8,
    'decision.after-commit': 5,
    'deadline.before-commit': 2,
    'deadline.after-commit': 2,
  };
  const plans: KillPlan[] = [{ kind: 'point', point, n: rng.int(1, maxN[point]) }];
  for (let i = 0; i < randomKills; i++) plans.push({ kind: 'random', afterMs: rng.int(50, 1500) });
  return plans;
}
