import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mayOperate } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { apiRoute, routeMounter, textAnswer, type ApiApp } from './api-routes.js';
import { bearerToken } from './bearer-token.js';
import { requestClientAddress } from './client-address.js';
import type { HubMetrics } from './prometheus-metrics.js';
import { problem } from './rest-errors.js';

export const METRICS_PATH = '/metrics';

const scrape = apiRoute({
  method: 'get',
  path: METRICS_PATH,
  summary: 'Prometheus metrics (text exposition format)',
  description: 'Also served without a token on `metrics.port` (127.0.0.1 by default) when that is set.',
  auth: 'bearer',
  // Outside /api, so the API's bearer middleware does not run: the handler checks the token and the role itself.
  'x-roles': ['admin'],
  responses: { 200: textAnswer('text/plain; version=0.0.4', 'Prometheus text format 0.0.4') },
  errors: ['forbidden'],
});

/**
 * `GET /metrics` on the hub's own port: Prometheus text for an admin bearer token. Failed tokens count against the
 * caller's address like every other refusal, so the endpoint is no way around the throttle.
 */
export function mountMetricsRoute(app: ApiApp, hub: HubContext, metrics: HubMetrics): void {
  routeMounter(app)(scrape, async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    const principal = token ? hub.principals.resolve(token) : null;
    if (!principal) {
      const address = requestClientAddress(c, hub.config.trustedProxies);
      if (hub.authThrottle.throttled(address)) return problem(c, 'rate_limited', 'Too many failed attempts from your address; try again later');
      hub.authThrottle.recordFailure(address);
      hub.authThrottle.logRefusal(address, { event: 'auth.refused', channel: 'metrics', code: 'unauthorized' }, 'metrics scrape refused');
      return problem(c, 'unauthorized', 'Missing or unknown bearer token (metrics need an admin token, or use metrics.port)');
    }
    if (!mayOperate(principal)) return problem(c, 'forbidden', 'Metrics are for admin tokens');
    return c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  });
}

/**
 * The unauthenticated metrics port (`metrics.port`), for a Prometheus on the same machine or network: it serves
 * `GET /metrics` and nothing else, and listens on `metrics.host` (127.0.0.1 by default).
 */
export async function listenMetricsPort(metrics: HubMetrics, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== METRICS_PATH) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`Only GET ${METRICS_PATH} here\n`);
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}${METRICS_PATH}` };
}
