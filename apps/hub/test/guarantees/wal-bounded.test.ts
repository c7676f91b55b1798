import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, expect, it } from 'vitest';
import { auditEvent } from '../../src/audit/audit-events.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { EVERYTHING } from '../../src/store/store.js';

/**
 * The WAL must stay bounded while writes never pause: the writer checkpoints between its own batches, so each
 * checkpoint can finish and the next transaction rewinds the log, even with reads running the whole time.
 * (Before, a second connection checkpointed alongside the writer, never caught up, and the WAL grew to gigabytes.)
 */
const DOCUMENTED_BOUND = 32 * 1024 * 1024;
const LOAD_MS = 10_000;
const WORKERS = 20;

let dir: string | undefined;
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = undefined;
  dir = undefined;
});

const walSize = (file: string) => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

it('keeps the WAL under its documented bound, and rewinds it, under writes that never pause', { timeout: 30_000 }, async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-wal-'));
  const file = path.join(dir, 'hub.db');
  const open = await openSqliteStore({ path: file, durability: 'normal' });
  store = open;
  const agent = { kind: 'agent' as const, id: 'agent-a', name: 'agent-a' };
  const reviewer = { kind: 'reviewer' as const, id: 'rev', name: 'rev' };
  let made = 0;
  const started = Date.now();
  const samples: { at: number; bytes: number }[] = [];
  const sampler = setInterval(() => samples.push({ at: Date.now() - started, bytes: walSize(file) }), 50);

  const oneRequest = async () => {
    const requestId = `wal-${++made}`;
    const now = new Date().toISOString();
    const record: ApprovalRecord = {
      requestId,
      status: 'pending',
      toolName: 'delete_pod',
      args: { name: `web-${made}`, note: 'x'.repeat(16_384) },
      agent: { id: agent.id, name: agent.name },
      agentName: agent.name,
      runId: 'run-1',
      queue: 'default',
      createdAt: now,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    };
    await open.insertRequest({
      record,
      principalId: agent.id,
      requestHash: `hash-${requestId}`,
      deliver: false,
      quota: null,
      audit: [auditEvent('requested', requestId, 'default', agent, { toolName: record.toolName, agentName: agent.name, runId: 'run-1', args: record.args, expiresAt: record.expiresAt })],
    });
    await open.listPending(null, { limit: 50, maxBytes: 1 << 20 });
    const decided: ApprovalRecord = { ...record, status: 'approved', decision: { approved: true, decidedAt: now, decidedBy: reviewer, modified: false, args: record.args } };
    await open.transition({ requestId, record: decided, deliverTo: agent.id, audit: [auditEvent('decided', requestId, 'default', reviewer, { approved: true, modified: false })], at: now });
    await open.getRequest(requestId, EVERYTHING);
    await open.markDelivered(requestId, agent.id, auditEvent('delivered', requestId, 'default', agent, {}), now);
  };

  const until = Date.now() + LOAD_MS;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (Date.now() < until) await oneRequest();
    }),
  );
  clearInterval(sampler);
  const largestIn = (from: number, to: number) => Math.max(0, ...samples.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes));
  const firstQuarter = largestIn(0, LOAD_MS / 4);
  const lastHalf = largestIn(LOAD_MS / 2, Infinity);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(`wal-bounded: ${made} requests in ${LOAD_MS} ms; largest WAL ${mb(firstQuarter)} in the first quarter, ${mb(lastHalf)} in the second half`);

  expect(made).toBeGreaterThan(1000);
  expect(Math.max(firstQuarter, lastHalf)).toBeLessThan(DOCUMENTED_BOUND);
  expect((await open.verifyAudit({})).ok).toBe(true);
});
