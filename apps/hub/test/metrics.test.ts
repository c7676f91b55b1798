import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_QUEUE_LABELS, OTHER_QUEUE, queueLabeller } from '../src/http/prometheus-metrics.js';
import { api, connected, eventually, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function scrape(url: string, token: string | null = tokens.admin): Promise<PrometheusFamily[]> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  // This parser folds a histogram with labels into one bucket map and drops its per-series `_count` and `_sum`
  // (it only handles unlabelled histograms); parsed once more with histograms read as untyped, every `_count`,
  // `_sum` and `_bucket` series comes out as its own family, labels intact.
  const histogramSeries = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')).filter((f) => /_(count|sum|bucket)$/.test(f.name));
  return [...families, ...histogramSeries];
}

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name} in the scrape`);
  return found;
}

/** The value of one series (0 when the series does not exist yet). */
function value(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  family(families, name);
  // A name may come back as several families (see scrape): look through all of them.
  const samples = families.filter((f) => f.name === name).flatMap((f) => f.metrics);
  const sample = samples.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value ?? sample.count) : 0;
}

describe('Prometheus metrics', () => {
  it('GET /metrics needs an admin token; the values move as requests flow through a real hub', async () => {
    hub = await startTestHub({
      queues: [{ name: 'default' }, { name: 'ops' }],
      approval: { policies: [{ rule: 'reads-are-fine', match: { toolName: 'read_file' }, action: 'approve' }] },
    });
    const url = `${hub.url}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokens.reviewer}` } })).status).toBe(403);

    const before = await scrape(url);
    expect(value(before, 'approval_hub_requests_total', { outcome: 'pending' })).toBe(0);
    expect(value(before, 'approval_hub_pending_requests', { queue: 'ops' })).toBe(0);
    expect(value(before, 'approval_hub_healthy')).toBe(1);
    expect(family(before, 'nodejs_eventloop_lag_seconds').type).toBe('GAUGE');

    const agent = hub.connectAgent();
    agent.on('approval.response', (payload, ack) => ack({ ok: true, data: { requestId: payload.requestId } }));
    const reviewer = hub.connectReviewer();
    await Promise.all([connected(agent), connected(reviewer)]);

    const first = newRequest({ queue: 'ops' });
    const second = newRequest({ queue: 'ops' });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, first)).status).toBe(201);
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, second)).status).toBe(201);
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ toolName: 'read_file' }))).status).toBe(201);
    expect((await api(hub, 'POST', `/api/approvals/${first.requestId}/decision`, tokens.reviewer, { approved: false, reason: 'no' })).status).toBe(200);

    const after = await scrape(url);
    expect(value(after, 'approval_hub_requests_total', { queue: 'ops', outcome: 'pending' })).toBe(2);
    expect(value(after, 'approval_hub_requests_total', { queue: 'default', outcome: 'auto_approved' })).toBe(1);
    expect(value(after, 'approval_hub_decisions_total', { queue: 'ops', kind: 'reviewer', status: 'denied' })).toBe(1);
    expect(value(after, 'approval_hub_decisions_total', { queue: 'default', kind: 'policy', status: 'approved' })).toBe(1);
    expect(value(after, 'approval_hub_pending_requests', { queue: 'ops' })).toBe(1);
    expect(value(after, 'approval_hub_pending_requests', { queue: 'default' })).toBe(0);
    expect(value(after, 'approval_hub_time_to_decision_seconds_count', { queue: 'ops', kind: 'reviewer' })).toBe(1);
    expect(value(after, 'approval_hub_store_commit_seconds_count', { write: 'insert', result: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(value(after, 'approval_hub_store_commit_seconds_count', { write: 'transition', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'approval_hub_connected_clients', { role: 'agent' })).toBe(1);
    expect(value(after, 'approval_hub_connected_clients', { role: 'reviewer' })).toBe(1);
    // Both decisions go to the connected agent; once it acknowledges them, the backlog drains.
    await eventually(async () => value(await scrape(url), 'approval_hub_undelivered_decisions') === 0);

    agent.disconnect();
    expect((await api(hub, 'POST', `/api/approvals/${second.requestId}/cancel`, tokens.agent, {})).status).toBe(200);
    await eventually(async () => value(await scrape(url), 'approval_hub_connected_clients', { role: 'agent' }) === 0);
    const last = await scrape(url);
    expect(value(last, 'approval_hub_decisions_total', { queue: 'ops', kind: 'cancel', status: 'cancelled' })).toBe(1);
    expect(value(last, 'approval_hub_pending_requests', { queue: 'ops' })).toBe(0);
    // Every series is labelled by queue at most: no request ids anywhere.
    for (const f of last.filter((f) => f.name.startsWith('approval_hub_'))) {
      for (const m of f.metrics) expect(Object.values(m.labels ?? {}).join(' ')).not.toContain(first.requestId);
    }
  });

  it('serves the same metrics without a token on metrics.port, bound to 127.0.0.1 by default', async () => {
    hub = await startTestHub({ metrics: { port: 0 } });
    expect(hub.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest());
    expect(value(await scrape(hub.metricsUrl!, null), 'approval_hub_requests_total', { queue: 'default', outcome: 'pending' })).toBe(1);
    expect((await fetch(hub.metricsUrl!.replace('/metrics', '/api/health'))).status).toBe(404);
    // Without metrics.port there is no second port.
    const plain = await startTestHub();
    expect(plain.metricsUrl).toBeUndefined();
    await plain.close();
  });

  it('caps the queue label when no queues are configured', () => {
    const label = queueLabeller(() => []);
    const labels = new Set(Array.from({ length: MAX_QUEUE_LABELS + 20 }, (_, i) => label(`q${i}`)));
    expect(labels.size).toBe(MAX_QUEUE_LABELS + 1);
    expect(labels.has(OTHER_QUEUE)).toBe(true);
    expect(label('q0')).toBe('q0');
    const configured = queueLabeller(() => ['ops']);
    expect([configured('ops'), configured('elsewhere')]).toEqual(['ops', OTHER_QUEUE]);
  });
});
