import { HealthResponse, MetricsQuery, Principal, ProcessMetricsResponse } from '@approval-hub/protocol';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { matchedRoutes } from 'hono/route';
import { toIso } from '../runtime/clock.js';
import { actorOf, adminRoles } from '../engine/access.js';
import { InvalidCursorError } from '../engine/cursors.js';
import type { DecisionWaiters } from '../engine/decision-waiters.js';
import type { HubContext } from '../transports/hub-context.js';
import { KeyedRateLimiter } from '../limits/rate-limiter.js';
import type { DecisionLinks } from '../decision-links/decision-links.js';
import { serveApiDocs } from './api-docs/serve-api-docs.js';
import { apiRoute, createApiApp, declaredRoutes, jsonAnswer, routeMounter, routingPath, type ApiApp } from './api-routes.js';
import { approvalRoutes } from './approval-routes.js';
import { auditRoutes } from './audit-routes.js';
import { decisionLinkRoutes } from './decision-link-routes.js';
import { grantRoutes } from './grant-routes.js';
import { bearerToken } from './bearer-token.js';
import { requestClientAddress } from './client-address.js';
import type { LongPolls } from './long-polls.js';
import type { ProcessMetrics } from './metrics.js';
import { isOriginAllowed, originPolicyOf } from './origin-policy.js';
import { ApiError, problem, problemOf } from './rest-errors.js';

/** The REST API: same engine as the sockets, plain JSON bodies, errors as `{ error }` with the status carrying the class (rest-errors.ts). */
export interface RestApiOptions {
  waiters: DecisionWaiters;
  longPolls: LongPolls;
  metrics: ProcessMetrics;
  connections: () => { agents: number; reviewers: number };
  /** More routes on the API (Slack's interactions), declared with `apiRoute` like the rest. */
  mountPublicRoutes?: (app: ApiApp) => void;
  decisionLinks: DecisionLinks;
}

/** A per-token limiter that follows the config: a reload with new limits starts fresh buckets. */
function reloadingLimiter(limits: () => HubContext['config']['limits']) {
  let current = { limits: limits(), limiter: new KeyedRateLimiter(limits().ratePerSecond, limits().rateBurst) };
  return {
    take(key: string): boolean {
      const now = limits();
      if (now !== current.limits) current = { limits: now, limiter: new KeyedRateLimiter(now.ratePerSecond, now.rateBurst) };
      return current.limiter.take(key);
    },
  };
}

const health = apiRoute({
  method: 'get',
  path: '/api/health',
  summary: 'Health: the database answers and takes writes',
  auth: 'public',
  responses: {
    200: jsonAnswer(HealthResponse, 'ok'),
    503: jsonAnswer(HealthResponse, 'degraded, with the reason (writes failing, database replaced)'),
  },
  errors: [],
});

const me = apiRoute({
  method: 'get',
  path: '/api/me',
  summary: 'Who the bearer token is',
  auth: 'bearer',
  responses: { 200: jsonAnswer(Principal, 'The principal') },
  errors: [],
});

const processMetrics = apiRoute({
  method: 'get',
  path: '/api/metrics',
  summary: 'Process figures as JSON (benchmarks)',
  auth: 'bearer',
  roles: adminRoles,
  request: { query: MetricsQuery },
  responses: { 200: jsonAnswer(ProcessMetricsResponse, 'Figures') },
  errors: ['forbidden', 'invalid_payload'],
});

export function createRestApi(hub: HubContext, { waiters, longPolls, metrics, connections, decisionLinks, mountPublicRoutes }: RestApiOptions): ApiApp {
  const app = createApiApp();
  const limits = () => hub.config.limits;
  const rateLimiter = reloadingLimiter(limits);
  const mount = routeMounter(app, () => limits().maxPayloadBytes);

  /**
   * Whether the route this request matched is declared public (`security: []`, from `apiRoute({ auth: 'public' })`).
   * The bearer middleware reads this, so which routes need a token is said on the route's declaration, not by
   * mounting public routes before the token check. Read once every route is mounted (at the first request).
   */
  let publicRoutes: Set<string> | null = null;
  const isPublicRoute = (c: Context): boolean => {
    publicRoutes ??= new Set(declaredRoutes(app).filter((route) => route.security?.length === 0).map((route) => `${route.method.toUpperCase()} ${routingPath(route.path)}`));
    const known = publicRoutes;
    return matchedRoutes(c).some((route) => route.method !== 'ALL' && known.has(`${route.method} ${route.path}`));
  };

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      if (error.info.code === 'invalid_payload') {
        const principal = c.get('principal') as Principal | undefined;
        hub.auditor.record({
          actor: principal ? actorOf(principal) : { kind: 'hub' },
          key: principal?.id ?? 'anonymous',
          channel: `${c.req.method} ${c.req.routePath}`,
          code: 'invalid_payload',
          message: error.message,
        });
      }
      return problemOf(c, error.info);
    }
    if (error instanceof InvalidCursorError) return problem(c, 'invalid_payload', 'Invalid cursor: not one this API returned');
    hub.log.error({ err: error, method: c.req.method, path: c.req.path }, 'REST handler failed');
    return problem(c, 'internal', 'The hub could not complete this request; nothing was changed. Try again.');
  });
  app.notFound((c) => problem(c, 'not_found', `No route ${c.req.method} ${c.req.path}`));

  app.use('/api/*', async (c, next) => {
    if (!isOriginAllowed(c.req.header('origin'), c.req.header('host'), originPolicyOf(hub.config))) {
      return problem(c, 'forbidden', 'This origin is not allowed');
    }
    await next();
  });
  app.use(
    '/api/*',
    cors({
      origin: (origin) => (hub.config.allowedOrigins.includes(origin) ? origin : null),
      allowHeaders: ['Authorization', 'Content-Type'],
      allowMethods: ['GET', 'POST', 'DELETE'],
      maxAge: 600,
    }),
  );

  app.use('/api/*', async (c, next) => {
    if (isPublicRoute(c)) return next();
    const token = bearerToken(c.req.header('authorization'));
    const principal = token ? hub.principals.resolve(token) : null;
    if (!principal) {
      // Failed bearer checks count against the client's address (behind `trustedProxies`, the forwarded one),
      // shared with socket handshakes. Only failures are throttled: a good token is served whatever others sent
      // from the same address, and guessing is hopeless against tokens of at least 16 random characters.
      const address = requestClientAddress(c, hub.config.trustedProxies);
      if (hub.authThrottle.throttled(address)) {
        hub.authThrottle.logRefusal(address, { event: 'auth.refused', channel: 'rest', code: 'rate_limited' }, 'REST call refused: too many failed attempts from this address');
        return problem(c, 'rate_limited', 'Too many failed attempts from your address; try again later');
      }
      hub.authThrottle.recordFailure(address);
      hub.authThrottle.logRefusal(address, { event: 'auth.refused', channel: 'rest', code: 'unauthorized' }, 'REST call refused');
      return problem(c, 'unauthorized', 'Missing or unknown bearer token');
    }
    if (!rateLimiter.take(principal.id)) return problem(c, 'rate_limited', 'Too many requests; slow down');
    // Every call that changes something lands on disk: charged to the token's write budget by its declared size
    // (the body limit below holds it to that), the largest allowed when it declares none.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS') {
      const declared = Number(c.req.header('content-length') ?? Number.NaN);
      const size = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, limits().maxPayloadBytes) : limits().maxPayloadBytes;
      const refused = hub.budgets.chargeWrite(principal, size, `${c.req.method} ${c.req.path.slice(0, 128)}`);
      if (refused) return problemOf(c, refused.error);
      c.set('principal', principal);
      await next();
      // A call refused as bad input, unknown or in conflict wrote nothing (its rejection audit is bounded on its
      // own), so it costs nothing of the budget: as on the socket, where only valid payloads are charged.
      if (c.res.status >= 400 && c.res.status < 500) hub.budgets.refundWrite(principal, size);
      return;
    }
    c.set('principal', principal);
    await next();
  });
  const bearerBodyLimit = bodyLimit({
    maxSize: limits().maxPayloadBytes + 4096,
    onError: (c) => problem(c, 'payload_too_large', `Body larger than the hub's limit of ${limits().maxPayloadBytes} bytes`),
  });
  // Public routes keep their own limits (a decision link's, Slack's).
  app.use('/api/*', async (c, next) => (isPublicRoute(c) ? next() : bearerBodyLimit(c, next)));

  mount(health, async (c) => {
    const state = await hub.engine.health();
    const body: HealthResponse = {
      status: state.ok ? 'ok' : 'degraded',
      ...(state.ok ? {} : { reason: state.reason }),
      version: hub.version,
      serverTime: toIso(hub.clock.now()),
      uptimeMs: Date.now() - hub.startedAt,
    };
    return c.json(body, state.ok ? 200 : 503);
  });
  serveApiDocs(app);
  mount(me, (c) => c.json(c.get('principal')));
  mount(processMetrics, (c) => {
    if (c.req.valid('query').reset === 'loop') metrics.resetLoopDelay();
    return c.json(metrics.snapshot(connections()));
  });

  // One sub-app per resource; who may call each route is said on its declaration, wherever it is mounted.
  app.route('/api/approvals', approvalRoutes(hub, { waiters, longPolls, decisionLinks }));
  app.route('/api/decision-links', decisionLinkRoutes(hub, { links: decisionLinks, rateLimiter }));
  app.route('/api/grants', grantRoutes(hub));
  app.route('/api/audit', auditRoutes(hub));
  mountPublicRoutes?.(app);

  return app;
}
