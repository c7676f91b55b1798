// The SQLite store's write path alone, without sockets or HTTP: open-loop request lifecycles (insert, decide,
// delivery receipt) at a fixed rate, reporting the process's CPU (every thread) per lifecycle and the latency of
// each step. CPU per request is the figure to compare on a loaded machine; latencies only on a quiet one.
//   node bench/scripts/store-write-cost.mjs [--dist apps/hub/dist] [--durability normal|full] [--rate 1000] [--seconds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { dist: { type: 'string', default: 'apps/hub/dist' }, durability: { type: 'string', default: 'normal' }, rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '5' } } });
const dist = path.resolve(values.dist);
// Counts the batches posted to the writer thread (one transaction each) and the writes they carry.
const { Worker } = await import('node:worker_threads');
const batches = { posted: 0, writes: 0 };
const postMessage = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, ...rest) {
  if (message?.type === 'writes') {
    batches.posted++;
    batches.writes += message.writes.length;
  }
  return postMessage.call(this, message, ...rest);
};
const { SqliteStore } = await import(pathToFileURL(path.join(dist, 'store/sqlite/sqlite-store.js')).href);
const { auditEvent } = await import(pathToFileURL(path.join(dist, 'audit/audit-events.js')).href);

const dir = mkdtempSync(path.join(os.tmpdir(), 'store-write-cost-'));
const store = await SqliteStore.open({ path: path.join(dir, 'hub.db'), durability: values.durability });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const quota = { maxPendingPerAgent: 1_000_000, maxPendingPerQueue: 1_000_000 };
const lat = { insert: [], decide: [], delivered: [] };
let n = 0;

async function lifecycle() {
  const i = n++;
  const agent = `agent-${i % 100}`;
  const now = Date.now();
  const iso = new Date(now).toISOString();
  const record = { requestId: `r-${i}`, status: 'pending', toolName: 'delete_pod', args: { name: `web-${i}`, namespace: 'prod' }, agent: { id: agent, name: agent }, agentName: agent, runId: 'run-1', queue: `q-${i % 10}`, createdAt: iso, expiresAt: new Date(now + 60_000).toISOString() };
  const actor = { kind: 'agent', id: agent, name: agent };
  let t = performance.now();
  await store.insertRequest({ record, principalId: agent, requestHash: `hash-${i}`, deliver: false, quota, audit: [auditEvent('requested', record.requestId, record.queue, actor, { toolName: record.toolName, agentName: agent, runId: 'run-1', args: record.args, expiresAt: record.expiresAt })] });
  lat.insert.push(performance.now() - t);
  const reviewer = { kind: 'reviewer', id: 'rev', name: 'rev' };
  t = performance.now();
  await store.transition({ requestId: record.requestId, record: { ...record, status: 'approved', decision: { approved: true, args: record.args, modified: false, decidedBy: reviewer, decidedAt: iso } }, deliverTo: agent, at: iso, audit: [auditEvent('decided', record.requestId, record.queue, reviewer, { approved: true, modified: false })] });
  lat.decide.push(performance.now() - t);
  t = performance.now();
  await store.markDelivered(record.requestId, agent, auditEvent('delivered', record.requestId, null, actor, {}), iso);
  lat.delivered.push(performance.now() - t);
}

// Warm up, then measure.
await Promise.all(Array.from({ length: 200 }, lifecycle));
for (const k of Object.keys(lat)) lat[k] = [];
batches.posted = 0;
batches.writes = 0;
const cpu0 = process.cpuUsage();
const start = performance.now();
const running = [];
const tickMs = 10;
for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
  const due = Math.round(((tick + 1) * tickMs * rate) / 1000) - Math.round((tick * tickMs * rate) / 1000);
  for (let k = 0; k < due; k++) running.push(lifecycle());
  const wait = start + (tick + 1) * tickMs - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await Promise.all(running);
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - start;
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN; };
const count = running.length;
console.log(JSON.stringify({
  durability: values.durability, rate, lifecycles: count, wallMs: Math.round(wall),
  cpuPerLifecycleUs: Math.round((cpu.user + cpu.system) / count),
  batches: batches.posted,
  writesPerBatch: +(batches.writes / batches.posted).toFixed(1),
  cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
  p50: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, +q(v, 0.5).toFixed(2)])),
  p99: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, +q(v, 0.99).toFixed(2)])),
}));
await store.close();
rmSync(dir, { recursive: true, force: true });
