import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApprovalRecord } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditEvent } from '../../src/audit/audit-events.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * Database size per 100k requests, before and after retention purges them (figures in the README). Slow (about a
 * minute): runs only with MEASURE_DB_SIZE=1, e.g.
 * `MEASURE_DB_SIZE=1 pnpm --filter @approval-hub/hub exec vitest run test/measure/db-size.test.ts`.
 * MEASURE_REQUESTS changes the count.
 */
const N = Number(process.env.MEASURE_REQUESTS ?? 100_000);
const BASE = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function sizes(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const rows = (db.prepare('SELECT (SELECT COUNT(*) FROM approvals) AS approvals, (SELECT COUNT(*) FROM audit) AS audit').get() as { approvals: number; audit: number });
    return { fileBytes: statSync(file).size, usedBytes: (pages - free) * pageSize, ...rows };
  } finally {
    db.close();
  }
}

describe.skipIf(!process.env.MEASURE_DB_SIZE)('database size per 100k requests', () => {
  it('before and after purging', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-size-'));
    const file = path.join(dir, 'hub.db');
    let store = await openSqliteStore({ path: file, durability: 'normal' });
    const agent = { kind: 'agent' as const, id: 'agent-a', name: 'ops-agent' };
    const reviewer = { kind: 'reviewer' as const, id: 'alice', name: 'Alice' };
    const one = async (i: number) => {
      const createdAt = BASE + i;
      // A typical tool call: a command with a few arguments, a description, a conversation id.
      const record: ApprovalRecord = {
        requestId: `req-${i.toString().padStart(8, '0')}-${'x'.repeat(12)}`,
        status: 'pending',
        toolName: 'kubernetes.delete_pod',
        args: { name: `web-${i}`, namespace: 'prod', gracePeriodSeconds: 30, reason: 'rolling restart after config change' },
        agent: { id: 'agent-a', name: 'ops-agent' },
        agentName: 'ops-agent',
        runId: `run-${Math.floor(i / 10)}`,
        conversationId: `conv-${Math.floor(i / 50)}`,
        description: 'Delete the pod so the deployment recreates it with the new config.',
        queue: 'ops',
        createdAt: iso(createdAt),
        expiresAt: iso(createdAt + 300_000),
      };
      await store.insertRequest({
        record,
        principalId: 'agent-a',
        requestHash: 'h'.repeat(64),
        deliver: false,
        quota: null,
        audit: [auditEvent('requested', record.requestId, 'ops', agent, { toolName: record.toolName, agentName: record.agentName, runId: record.runId, conversationId: record.conversationId, args: record.args, expiresAt: record.expiresAt })],
      });
      const decidedAt = iso(createdAt + 20_000);
      const decided: ApprovalRecord = { ...record, status: 'approved', decision: { approved: true, args: record.args, modified: false, decidedBy: { kind: 'reviewer', id: 'alice', name: 'Alice' }, decidedAt } };
      await store.transition({ requestId: record.requestId, record: decided, deliverTo: 'agent-a', at: decidedAt, audit: [auditEvent('decided', record.requestId, 'ops', reviewer, { approved: true, modified: false })] });
      await store.markDelivered(record.requestId, 'agent-a', auditEvent('delivered', record.requestId, null, agent, {}), iso(createdAt + 20_050));
    };
    const started = Date.now();
    const CONCURRENCY = 500;
    for (let i = 0; i < N; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, N - i) }, (_, k) => one(i + k)));
    await store.close();
    const before = sizes(file);
    const filled = Date.now() - started;

    store = await openSqliteStore({ path: file, durability: 'normal' });
    let purged = 0;
    for (;;) {
      const ids = await store.purgeDecided({ resolvedBefore: BASE + N + 3_600_000, limit: 1000, at: iso(BASE + 30 * 86_400_000) });
      purged += ids.length;
      if (ids.length < 1000) break;
    }
    expect(purged).toBe(N);
    expect(await store.verifyAudit({})).toMatchObject({ ok: true });
    await store.close();
    const after = sizes(file);
    const compacted = path.join(dir, 'compacted.db');
    const db = new Database(file, { readonly: true });
    db.exec(`VACUUM INTO '${compacted}'`);
    db.close();
    const vacuumed = sizes(compacted);
    const perK = (bytes: number) => mb((bytes / N) * 100_000);
    process.stdout.write(
      [
        `requests: ${N} (filled in ${(filled / 1000).toFixed(1)} s), audit rows: ${before.audit}`,
        `before purge: file ${mb(before.fileBytes)}, used ${mb(before.usedBytes)}  (per 100k: ${perK(before.usedBytes)})`,
        `after purge:  file ${mb(after.fileBytes)} (freed pages are reused, the file does not shrink), used ${mb(after.usedBytes)}  (per 100k: ${perK(after.usedBytes)}); approvals ${after.approvals}, audit rows ${after.audit}`,
        `after VACUUM: file ${mb(vacuumed.fileBytes)}`,
      ].join('\n').concat('\n'),
    );
    rmSync(dir, { recursive: true, force: true });
  }, 600_000);
});
