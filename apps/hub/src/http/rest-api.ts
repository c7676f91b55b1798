import {
  ApprovalListQuery,
  ApprovalRequestInput,
  AuditListQuery,
  AuditVerifyQuery,
  CancelBody,
  DecisionBody,
  GrantListQuery,
  Identifier,
  IssuedDecisionLink,
  WaitQuery,
  type Ack,
  type HealthResponse,
  type Principal,
} from '@approval-hub/protocol';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { matchedRoutes } from 'hono/route';
import type { z } from 'zod';
import { toIso } from '../runtime/clock.js';
import { actorOf, adminRoles, agentRoles, reviewerRoles } from '../engine/access.js';
import { InvalidCursorError } from '../engine/cursors.js';
import type { DecisionWaiters } from '../engine/decision-waiters.js';
import type { HubContext } from '../transports/hub-context.js';
import { KeyedRateLimiter } from '../limits/rate-limiter.js';
import type { DecisionLinks } from '../decision-links/decision-links.js';
import { REST_ROUTES } from './api-docs/rest-routes.js';
import { serveApiDocs } from './api-docs/serve-api-docs.js';
import { mountDecisionLinkRoutes } from './decision-link-routes.js';
import { bearerToken } from './bearer-token.js';
import { requestClientAddress } from './client-address.js';
import type { LongPolls } from './long-polls.js';
import { invalidPayload, payloadBytes } from '../transports/payload-validation.js';
import type { ProcessMetrics } from './metrics.js';
import { isOriginAllowed, originPolicyOf } from './origin-policy.js';
import { requireRole } from './require-role.js';
import { ApiError, problem, problemOf } from './rest-errors.js';

type Env = { Variables: { principal: Principal } };
type Ctx = Context<Env>;

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(invalidPayload(what, parsed.error).error);
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ApiError.of('invalid_payload', 'Request body is not valid JSON');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text. Bytes that are not UTF-8 are refused, not replaced with U+FFFD: that would change what was asked. */
async function bodyText(c: Ctx): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw ApiError.of('invalid_payload', 'Request body is not valid UTF-8');
  }
}

async function jsonBody(c: Ctx): Promise<unknown> {
  return parseJson(await bodyText(c));
}

/** The REST API: same engine as the sockets, plain JSON bodies, errors as `{ error }` with the status carrying the class (rest-errors.ts). */
export interface RestApiOptions {
  waiters: DecisionWaiters;
  longPolls: LongPolls;
  metrics: ProcessMetrics;
  connections: () => { agents: number; reviewers: number };
  /** Routes that authenticate themselves (a signature, not a bearer token): declared `auth: 'public'` in rest-routes.ts. */
  mountPublicRoutes?: (app: Hono<Env>) => void;
  decisionLinks: DecisionLinks;
}

/** Routes declared `auth: 'public'`: they authenticate themselves (a link, a signature) or need no credential. */
const PUBLIC_ROUTES = new Set(REST_ROUTES.filter((route) => route.auth === 'public').map((route) => `${route.method.toUpperCase()} ${route.path}`));

/**
 * Whether the route this request matched is declared public. The bearer middleware reads this, so which routes
 * need a token is said on the route's declaration, not by mounting public routes before the token check.
 */
function isPublicRoute(c: Context): boolean {
  return matchedRoutes(c).some((route) => route.method !== 'ALL' && PUBLIC_ROUTES.has(`${route.method} ${route.path}`));
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


export function createRestApi(hub: HubContext, { waiters, longPolls, metrics, connections, decisionLinks, mountPublicRoutes }: RestApiOptions): Hono<Env> {
  const app = new Hono<Env>();
  const limits = () => hub.config.limits;
  const rateLimiter = reloadingLimiter(limits);

  const reply = <T>(c: Ctx, ack: Ack<T>) => {
    if (ack.ok) return c.json(ack.data as object);
    if (ack.error.code === 'invalid_payload') {
      const principal = c.get('principal');
      hub.auditor.record({ actor: actorOf(principal), key: principal.id, channel: `${c.req.method} ${c.req.routePath}`, code: 'invalid_payload', message: ack.error.message });
    }
    return problemOf(c, ack.error);
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

  app.get('/api/health', async (c) => {
    const health = await hub.engine.health();
    const body: HealthResponse = {
      status: health.ok ? 'ok' : 'degraded',
      ...(health.ok ? {} : { reason: health.reason }),
      version: hub.version,
      serverTime: toIso(hub.clock.now()),
      uptimeMs: Date.now() - hub.startedAt,
    };
    return c.json(body, health.ok ? 200 : 503);
  });
  serveApiDocs(app);
  // Public by their declaration (rest-routes.ts `auth: 'public'`), wherever they are mounted.
  mountDecisionLinkRoutes(app, hub, { links: decisionLinks, rateLimiter });
  mountPublicRoutes?.(app);

  app.get('/api/me', (c) => c.json(c.get('principal')));

  app.get('/api/approvals', async (c) => {
    const query = parseOrThrow(ApprovalListQuery, c.req.query(), 'query');
    return c.json(await hub.engine.list(c.get('principal'), query));
  });

  app.post('/api/approvals', requireRole(agentRoles), async (c) => {
    const body = await jsonBody(c);
    if (payloadBytes(body) > limits().maxPayloadBytes) return problem(c, 'payload_too_large', `Body larger than the hub's limit of ${limits().maxPayloadBytes} bytes`);
    const input = parseOrThrow(ApprovalRequestInput, body, 'approval request');
    const { ack, created } = await hub.engine.request(c.get('principal'), input);
    // 201 for a new request, 200 for an idempotent re-send of one that exists: the engine knows which.
    return ack.ok && created ? c.json(ack.data, 201) : reply(c, ack);
  });

  app.get('/api/approvals/:id', async (c) => {
    const id = parseOrThrow(Identifier, c.req.param('id'), 'request id');
    return reply(c, await hub.engine.detail(c.get('principal'), id));
  });

  app.get('/api/approvals/:id/wait', async (c) => {
    const principal = c.get('principal');
    const id = parseOrThrow(Identifier, c.req.param('id'), 'request id');
    const { timeoutMs } = parseOrThrow(WaitQuery, c.req.query(), 'query');
    let record = await hub.engine.visibleRecord(principal, id);
    if (!record) return problem(c, 'not_found', `No request ${id} visible to you`);
    if (record.status === 'pending' && timeoutMs > 0) {
      const slot = hub.budgets.openLongPoll(principal, 'GET /api/approvals/:id/wait');
      if ('ok' in slot) return problemOf(c, slot.error);
      // Ends early with 401 when a reload revokes or changes this token.
      const poll = longPolls.track(bearerToken(c.req.header('authorization')) ?? '', principal);
      try {
        await waiters.wait(id, timeoutMs, AbortSignal.any([c.req.raw.signal, poll.signal]));
        if (poll.signal.aborted) return problem(c, 'unauthorized', 'This token was revoked or its rights changed; sign in again');
        // Only what the asker may see NOW (issue #24): the waiter's record is the hub's, and an escalation may have
        // moved the request out of this reviewer's queues while it waited (its new queue, decider and reason are
        // not theirs to read).
        const now = await hub.engine.visibleRecord(principal, id);
        if (!now) return problem(c, 'not_found', `No request ${id} visible to you`);
        record = now;
      } finally {
        poll.done();
        slot.release();
      }
    }
    if (record.status !== 'pending' && record.decision && principal.role === 'agent') {
      await hub.engine.markDelivered(id, principal);
    }
    return c.json(record);
  });

  app.post('/api/approvals/:id/decision', requireRole(reviewerRoles), async (c) => {
    const id = parseOrThrow(Identifier, c.req.param('id'), 'request id');
    const body = await jsonBody(c);
    if (payloadBytes(body) > limits().maxPayloadBytes) return problem(c, 'payload_too_large', `Body larger than the hub's limit of ${limits().maxPayloadBytes} bytes`);
    const decision = parseOrThrow(DecisionBody, body, 'decision');
    return reply(c, await hub.engine.decide(c.get('principal'), { requestId: id, ...decision }, { channel: 'rest' }));
  });

  app.post('/api/approvals/:id/decision-link', requireRole(reviewerRoles), async (c) => {
    const principal = c.get('principal');
    const id = parseOrThrow(Identifier, c.req.param('id'), 'request id');
    // Visible means within the reviewer's queues (access.ts's read scope), so the link never reaches further.
    const record = await hub.engine.visibleRecord(principal, id);
    if (!record) return problem(c, 'not_found', `No request ${id} visible to you`);
    if (record.status !== 'pending') return problem(c, 'already_decided', `Request ${id} is no longer pending`);
    let link: Awaited<ReturnType<DecisionLinks['issue']>>;
    try {
      link = await decisionLinks.issue(record, principal.id);
    } catch (error) {
      // A principal without a configured reviewer token (nothing to sign the link with), or a deadline too close.
      hub.log.info({ requestId: id, principal: principal.id, reason: error instanceof Error ? error.message : 'unknown' }, 'decision link not issued');
      return problem(c, 'forbidden', 'The hub cannot issue a decision link to this token for this request');
    }
    // The URL is the credential: it goes only into this answer, never into a log.
    return c.json(IssuedDecisionLink.parse({ url: link.url, expiresAt: link.expiresAt }));
  });

  app.post('/api/approvals/:id/cancel', requireRole(agentRoles), async (c) => {
    const id = parseOrThrow(Identifier, c.req.param('id'), 'request id');
    const text = await bodyText(c);
    const reason = text.trim() === '' ? undefined : parseOrThrow(CancelBody, parseJson(text), 'cancel').reason;
    return reply(c, await hub.engine.cancel(c.get('principal'), id, reason));
  });

  app.get('/api/grants', async (c) => {
    const query = parseOrThrow(GrantListQuery, c.req.query(), 'query');
    return reply(c, await hub.engine.listGrants(c.get('principal'), query));
  });

  app.get('/api/grants/:id', async (c) => {
    const id = parseOrThrow(Identifier, c.req.param('id'), 'grant id');
    return reply(c, await hub.engine.grant(c.get('principal'), id));
  });

  app.delete('/api/grants/:id', async (c) => {
    const id = parseOrThrow(Identifier, c.req.param('id'), 'grant id');
    return reply(c, await hub.engine.revokeGrant(c.get('principal'), id));
  });

  app.get('/api/audit', requireRole(reviewerRoles), async (c) => {
    const query = parseOrThrow(AuditListQuery, c.req.query(), 'query');
    return c.json(await hub.engine.listAudit(c.get('principal'), query));
  });

  app.get('/api/audit/verify', async (c) => {
    const { head } = parseOrThrow(AuditVerifyQuery, c.req.query(), 'query');
    const expected = head ? { seq: Number(head.split(':')[0]), hash: head.split(':')[1]! } : undefined;
    return reply(c, await hub.engine.verifyAudit(c.get('principal'), expected));
  });

  app.get('/api/metrics', requireRole(adminRoles), (c) => {
    if (c.req.query('reset') === 'loop') metrics.resetLoopDelay();
    return c.json(metrics.snapshot(connections()));
  });

  app.get('/api/audit/head', async (c) => reply(c, await hub.engine.auditHead(c.get('principal'))));

  return app;
}
