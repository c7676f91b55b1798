import { ApprovalRecord, DecisionLinkBody, DecisionLinkToken, DecisionLinkView, type Ack } from '@approval-hub/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { DecisionLinks } from '../decision-links/decision-links.js';
import type { HubContext } from '../transports/hub-context.js';
import { apiRoute, createApiApp, jsonAnswer, jsonRequestBody, routeMounter, type ApiApp, type ApiEnv } from './api-routes.js';
import { requestClientAddress } from './client-address.js';
import { problem, problemOf } from './rest-errors.js';

export interface DecisionLinkRouteOptions {
  links: DecisionLinks;
  /** The REST API's per-principal limiter: a reviewer's link calls count with their other calls. */
  rateLimiter: { take(key: string): boolean };
}

const LinkParam = z.object({ token: DecisionLinkToken });
const linkErrors = ['unauthorized', 'not_found', 'expired', 'rate_limited'] as const;
const PATH = '/api/decision-links/:token';

/**
 * `GET` and `POST /api/decision-links/:token`: the link is the credential (no bearer token), so these routes are
 * declared public. A link that does not verify counts as a failed authentication for the remote address, like a
 * 401 anywhere else; the token itself is never logged (the logger also scrubs it from any path). A sub-app
 * composed with `app.route('/api/decision-links', …)`.
 */
export function decisionLinkRoutes(hub: HubContext, { links, rateLimiter }: DecisionLinkRouteOptions): ApiApp {
  const app = createApiApp();
  const mount = routeMounter(app, () => hub.config.limits.maxPayloadBytes);

  const reply = <T>(c: Context, ack: Ack<T>) => (ack.ok ? c.json(ack.data as object) : problemOf(c, ack.error));

  const failed = (c: Context, error: unknown) => {
    hub.log.error({ err: error, method: c.req.method, route: PATH }, 'decision link handler failed');
    return problem(c, 'internal', 'The hub could not complete this request; nothing was changed. Try again.');
  };

  const linkThrottled = (c: Context, address: string) => {
    hub.linkThrottle.logRefusal(address, { event: 'auth.refused', channel: 'decision-link', code: 'rate_limited' }, 'decision link refused: too many failed attempts from this address');
    return problem(c, 'rate_limited', 'Too many failed attempts from your address; try again later');
  };

  /**
   * Verify, then throttle failures, rate-limit: the link's reviewer becomes the request's principal (its refusals are
   * audited under that reviewer), or the answer ends the request. Runs before the token's schema is checked by the
   * route's validator, because a malformed token is a failed authentication here, not invalid input.
   */
  const openLink: MiddlewareHandler<ApiEnv> = async (c, next) => {
    try {
      const token = DecisionLinkToken.safeParse(c.req.param('token'));
      const address = requestClientAddress(c, hub.config.trustedProxies);
      // Only failures are throttled, in the links' own bucket: a good link opens whatever others sent.
      // Forged links fail their signature check before the database is read, so a throttled guesser costs little.
      if (!token.success && hub.linkThrottle.throttled(address)) return linkThrottled(c, address);
      const opened = token.success ? await links.open(token.data) : ({ ok: false, code: 'unauthorized' } as const);
      if (!opened.ok) {
        if (opened.code === 'expired') return problem(c, 'expired', 'This decision link has expired');
        if (hub.linkThrottle.throttled(address)) return linkThrottled(c, address);
        hub.linkThrottle.recordFailure(address);
        hub.linkThrottle.logRefusal(address, { event: 'auth.refused', channel: 'decision-link', code: 'unauthorized' }, 'decision link refused');
        return problem(c, 'unauthorized', 'This decision link is not valid: it was revoked, replaced or never issued');
      }
      if (!rateLimiter.take(opened.link.principal.id)) return problem(c, 'rate_limited', 'Too many requests; slow down');
      c.set('principal', opened.link.principal);
      c.set('link', opened.link);
    } catch (error) {
      return failed(c, error);
    }
    await next();
  };

  /** A link's decision is a write of its reviewer's: charged to their budget before the body is read. */
  const chargeWrite: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    const refused = hub.budgets.chargeWrite(c.get('principal'), Number.isFinite(declared) && declared >= 0 ? declared : hub.config.limits.maxPayloadBytes, `POST ${PATH}`);
    if (refused) return reply(c, refused);
    await next();
  };

  const view = apiRoute({
    method: 'get',
    path: '/{token}',
    summary: 'A signed decision link: the request as its reviewer may see it, and whether the link still decides',
    description: 'No bearer token: the link is the credential. 401 for a forged, revoked or key-rotated link; 410 once it expired.',
    auth: 'public',
    middleware: [openLink],
    request: { params: LinkParam },
    responses: { 200: jsonAnswer(DecisionLinkView, 'The request and the link state') },
    errors: linkErrors,
  });

  const decide = apiRoute({
    method: 'post',
    path: '/{token}',
    summary: 'Approve or deny through a signed decision link (once)',
    description: 'A second use, or a request decided elsewhere, is 409 `already_decided` with the record; arguments changed since the link was issued are 409 `conflict`.',
    auth: 'public',
    middleware: [openLink, chargeWrite],
    request: { params: LinkParam, body: jsonRequestBody(DecisionLinkBody) },
    responses: { 200: jsonAnswer(ApprovalRecord, 'The decided record') },
    errors: [...linkErrors, 'invalid_payload', 'already_decided', 'conflict', 'payload_too_large'],
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: hub.config.limits.maxPayloadBytes + 4096,
      onError: (c) => problem(c, 'payload_too_large', `Body larger than the hub's limit of ${hub.config.limits.maxPayloadBytes} bytes`),
    }),
  );

  mount(view, async (c) => {
    try {
      return reply(c, await links.view(c.get('link')));
    } catch (error) {
      return failed(c, error);
    }
  });

  mount(
    decide,
    async (c) => {
      try {
        return reply(c, await links.decide(c.get('link'), c.req.valid('json')));
      } catch (error) {
        return failed(c, error);
      }
    },
    { json: 'decision' },
  );

  return app;
}
