/**
 * Measurements, not assertions: how the store copes with 10,000 pending requests and 50 new
 * requests a second. Figures are printed (run `pnpm --filter @approval-hub/console test -- performance`);
 * nothing here fails on timing, so a slow CI machine cannot make it flaky.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import type { QueueEvent } from '../src/domain/queueState';
import { T0, decided, pending, syncedStore } from './fixtures';

const TOOLS = ['shell.exec', 'db.query', 'email.send', 'payments.refund', 'fs.write', 'http.post'];
const AGENTS = ['deploy-bot', 'analyst', 'mailer', 'support-bot'];
const QUEUES = ['default', 'ops', 'finance', 'data'];

function realistic(i: number) {
  return pending({
    toolName: TOOLS[i % TOOLS.length]!,
    agentName: AGENTS[i % AGENTS.length]!,
    queue: QUEUES[i % QUEUES.length]!,
    createdMs: T0 - (i % 600) * 1000,
    timeoutMs: 60_000 + (i % 240) * 1000,
    args: { command: `deploy service-${i} --env production --replicas ${i % 7}`, dryRun: i % 2 === 0, tags: ['a', 'b', String(i)] },
  });
}

const figures: Array<[string, string]> = [];
const record = (label: string, value: string) => figures.push([label, value]);
const ms = (x: number) => `${x.toFixed(2)} ms`;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${ms(at(0.5))}, p95 ${ms(at(0.95))}, max ${ms(at(1))} (n=${samples.length})`;
}

afterAll(() => {
  const width = Math.max(...figures.map(([l]) => l.length));
  console.log(`\nStore performance (Node ${process.version}):\n${figures.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`).join('\n')}\n`);
});

// Reported, not asserted: a generous timeout, since the default test path runs two packages' suites at once.
describe('store performance (reported, not asserted)', { timeout: 60_000 }, () => {
  it('10,000 pending requests: snapshot, pushed one frame at a time, sorting and filtering', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => realistic(i));

    let t = performance.now();
    const { store } = syncedStore(records);
    record('snapshot of 10,000 (parse times, previews, sort)', ms(performance.now() - t));
    expect(store.getState().visibleIds).toHaveLength(10_000);

    const { store: pushed } = syncedStore();
    t = performance.now();
    pushed.getState().applyEvents(records.map((r) => ({ type: 'request', record: r })));
    record('10,000 request events in one batch', ms(performance.now() - t));

    t = performance.now();
    store.getState().setSort('newest');
    record('re-sort 10,000 (age, newest first)', ms(performance.now() - t));
    t = performance.now();
    store.getState().setFilter('queue', 'ops');
    record('filter 10,000 by queue', ms(performance.now() - t));
    store.getState().clearFilters();
    t = performance.now();
    store.getState().setSearch('service-99');
    record('first text search over 10,000 (builds the index)', ms(performance.now() - t));
    t = performance.now();
    store.getState().setSearch('service-999 production');
    record('next text search over 10,000', ms(performance.now() - t));
    expect(store.getState().visibleIds.length).toBeGreaterThan(0);
  });

  it('50 new requests a second on top of 10,000: per-frame batches, plus a resolution for each', () => {
    const { store } = syncedStore(Array.from({ length: 10_000 }, (_, i) => realistic(i)));
    store.getState().select(store.getState().visibleIds[5_000]!);
    const perFrame: number[] = [];
    const burst: number[] = [];
    let n = 10_000;
    const live: ReturnType<typeof realistic>[] = [];
    // 10 simulated seconds at 50 requests/s and as many resolutions: one event per frame, as a 60 Hz batcher sees it.
    for (let second = 0; second < 10; second++) {
      for (let k = 0; k < 50; k++) {
        const fresh = realistic(n++);
        live.push(fresh);
        const events: QueueEvent[] = [{ type: 'request', record: fresh }];
        if (live.length > 25) events.push({ type: 'resolved', record: decided(live.shift()!, 'approved') });
        const t = performance.now();
        store.getState().applyEvents(events);
        perFrame.push(performance.now() - t);
      }
    }
    // Worst case: a second's worth arriving in a single frame (a stalled tab catching up).
    for (let second = 0; second < 10; second++) {
      const events: QueueEvent[] = [];
      for (let k = 0; k < 50; k++) events.push({ type: 'request', record: realistic(n++) });
      const t = performance.now();
      store.getState().applyEvents(events);
      burst.push(performance.now() - t);
    }
    record('1 frame batch (1 request + 1 resolution) at 10k', stats(perFrame));
    record('50 requests in one frame batch at 10k', stats(burst));
    record('store CPU per second at 50 req/s (sum of frames)', ms(perFrame.reduce((a, b) => a + b, 0) / 10));
    expect(store.getState().items.size).toBeGreaterThan(10_000);
  });

  it('the same load with a search filter active', () => {
    const { store } = syncedStore(Array.from({ length: 10_000 }, (_, i) => realistic(i)));
    store.getState().setSearch('production');
    const samples: number[] = [];
    for (let k = 0; k < 500; k++) {
      const t = performance.now();
      store.getState().applyEvents([{ type: 'request', record: realistic(20_000 + k) }]);
      samples.push(performance.now() - t);
    }
    record('1 request per frame at 10k, search active', stats(samples));
  });
});
