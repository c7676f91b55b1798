import { DecisionLinkBody, DecisionLinkToken, fail, type Ack } from '@approval-hub/protocol';
import type { Context, Env, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { actorOf } from '../engine/access.js';
import type { DecisionLinks, OpenedLink } from '../decision-links/decision-links.js';
import type { HubContext } from '../transports/hub-context.js';
import { invalidPayload } from '../transports/payload-validation.js';
import { requestClientAddress } from './client-address.js';
import { problem, problemOf } from './rest-errors.js';

export interface DecisionLinkRouteOptions {
  links: DecisionLinks;
  /** The REST API's per-principal limiter: a reviewer's link calls count with their other calls. */
  rateLimiter: { take(key: string): boolean };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `GET` and `POST /api/decision-links/:token`: the link is the credential (no bearer token), so these routes are
 * mounted before the bearer check. A link that does not verify counts as a failed authentication for the remote
 * address, like a 401 anywhere else; the token itself is never logged (the logger also scrubs it from any path).
 */
export function mountDecisionLinkRoutes<E extends Env>(app: Hono<E>, hub: HubContext, { links, rateLimiter }: DecisionLinkRouteOptions): void {
  const path = '/api/decision-links/:token';

  const reply = <T>(c: Context, ack: Ack<T>) => (ack.ok ? c.json(ack.data as object) : problemOf(c, ack.error));

  const linkThrottled = (c: Context, address: string) => {
    hub.linkThrottle.logRefusal(address, { event: 'auth.refused', channel: 'decision-link', code: 'rate_limited' }, 'decision link refused: too many failed attempts from this address');
    return problem(c, 'rate_limited', 'Too many failed attempts from your address; try again later');
  };

  /** Verify, then throttle failures, rate-limit: the link's reviewer, or the answer that ends the request. */
  const openLink = async (c: Context): Promise<{ link: OpenedLink } | { response: Response }> => {
    const token = DecisionLinkToken.safeParse(c.req.param('token'));
    const address = requestClientAddress(c, hub.config.trustedProxies);
    // Only failures are throttled, in the links' own bucket: a good link opens whatever others sent.
    // Forged links fail their signature check before the database is read, so a throttled guesser costs little.
    if (!token.success && hub.linkThrottle.throttled(address)) return { response: linkThrottled(c, address) };
    const opened = token.success ? await links.open(token.data) : ({ ok: false, code: 'unauthorized' } as const);
    if (!opened.ok) {
      if (opened.code === 'expired') return { response: problem(c, 'expired', 'This decision link has expired') };
      if (hub.linkThrottle.throttled(address)) return { response: linkThrottled(c, address) };
      hub.linkThrottle.recordFailure(address);
      hub.linkThrottle.logRefusal(address, { event: 'auth.refused', channel: 'decision-link', code: 'unauthorized' }, 'decision link refused');
      return { response: problem(c, 'unauthorized', 'This decision link is not valid: it was revoked, replaced or never issued') };
    }
    if (!rateLimiter.take(opened.link.principal.id)) return { response: problem(c, 'rate_limited', 'Too many requests; slow down') };
    return { link: opened.link };
  };

  const guarded = (handler: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      hub.log.error({ err: error, method: c.req.method, route: path }, 'decision link handler failed');
      return problem(c, 'internal', 'The hub could not complete this request; nothing was changed. Try again.');
    }
  };

  app.use(
    '/api/decision-links/*',
    bodyLimit({
      maxSize: hub.config.limits.maxPayloadBytes + 4096,
      onError: (c) => problem(c, 'payload_too_large', `Body larger than the hub's limit of ${hub.config.limits.maxPayloadBytes} bytes`),
    }),
  );

  app.get(
    path,
    guarded(async (c) => {
      const opened = await openLink(c);
      if ('response' in opened) return opened.response;
      return reply(c, await links.view(opened.link));
    }),
  );

  app.post(
    path,
    guarded(async (c) => {
      const opened = await openLink(c);
      if ('response' in opened) return opened.response;
      const declared = Number(c.req.header('content-length') ?? Number.NaN);
      const refused = hub.budgets.chargeWrite(opened.link.principal, Number.isFinite(declared) && declared >= 0 ? declared : hub.config.limits.maxPayloadBytes, `POST ${path}`);
      if (refused) return reply(c, refused);
      let body: unknown;
      try {
        body = JSON.parse(strictUtf8.decode(await c.req.arrayBuffer())) as unknown;
      } catch {
        return reply(c, fail('invalid_payload', 'Request body is not valid JSON'));
      }
      const parsed = DecisionLinkBody.safeParse(body);
      if (!parsed.success) {
        const refused = invalidPayload('decision', parsed.error);
        const { principal } = opened.link;
        hub.auditor.record({ actor: actorOf(principal), key: principal.id, channel: `POST ${path}`, code: 'invalid_payload', message: refused.error.message });
        return reply(c, refused);
      }
      return reply(c, await links.decide(opened.link, parsed.data));
    }),
  );
}
