import { AgentEvent, ReviewerEvent, fail, type Ack, type Principal } from '@approval-hub/protocol';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import { actorOf } from '../engine/access.js';
import { InvalidCursorError } from '../engine/cursors.js';
import type { HubContext } from '../hub-context.js';
import { TokenBucket } from '../rate-limiter.js';
import type { PrincipalBudgets } from '../principal-budgets.js';
import type { RejectionAuditor } from '../rejection-audit.js';

/** Client events that write (a request, a cancel, a decision): charged to the token's write budget. */
const WRITE_EVENTS: ReadonlySet<string> = new Set([AgentEvent.request, AgentEvent.cancel, ReviewerEvent.respond]);
import { invalidPayload, payloadBytes } from '../validation.js';

export interface ListenerContext {
  socket: Socket;
  principal: Principal;
  bucket: TokenBucket;
  budgets: PrincipalBudgets;
  auditor: RejectionAuditor;
  log: Logger;
  maxPayloadBytes: number;
}

/** The per-connection context every listener of one socket shares, with its own rate-limit bucket. */
export function listenerContext(socket: Socket, hub: HubContext): ListenerContext {
  return {
    socket,
    principal: socket.data.principal as Principal,
    bucket: new TokenBucket(hub.config.limits.ratePerSecond, hub.config.limits.rateBurst),
    budgets: hub.budgets,
    auditor: hub.auditor,
    log: hub.log,
    maxPayloadBytes: hub.config.limits.maxPayloadBytes,
  };
}

/**
 * Turns a schema and a handler into a Socket.IO listener: checks the ack is a function, the rate limit,
 * the size and the schema, then runs the handler inside try/catch — Socket.IO catches nothing for you.
 */
export function listen<S extends z.ZodType, T>(
  ctx: ListenerContext,
  event: string,
  schema: S,
  handler: (payload: z.output<S>) => Promise<Ack<T>> | Ack<T>,
): void {
  // Recorded against the sender only: an id in a rejected payload may name someone else's request.
  const reject = (code: 'invalid_payload' | 'payload_too_large' | 'rate_limited', message: string, _payload: unknown) =>
    ctx.auditor.record({ actor: actorOf(ctx.principal), key: ctx.principal.id, channel: `${ctx.socket.nsp.name} ${event}`, code, message });

  ctx.socket.on(event, async (...args: unknown[]) => {
    const ack = args.at(-1);
    const payload = args.length > 1 ? args[0] : undefined;
    if (typeof ack !== 'function') {
      reject('invalid_payload', `${event} needs an acknowledgement callback`, args[0]);
      return;
    }
    const reply = (response: Ack<T> | ReturnType<typeof fail>) => {
      try {
        ack(response);
      } catch (error) {
        ctx.log.warn({ err: error, event }, 'ack callback threw');
      }
    };
    if (!ctx.bucket.take()) {
      reply(fail('rate_limited', 'Too many events from this connection; slow down'));
      return;
    }
    if (args.length > 2) {
      reject('invalid_payload', `${event} takes one payload`, payload);
      reply(fail('invalid_payload', `Invalid ${event}: takes exactly one payload and an ack`));
      return;
    }
    if (payloadBytes(payload) > ctx.maxPayloadBytes) {
      reject('payload_too_large', `${event} payload over ${ctx.maxPayloadBytes} bytes`, payload);
      reply(fail('payload_too_large', `Payload larger than the hub's limit of ${ctx.maxPayloadBytes} bytes`));
      return;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const answer = invalidPayload(event, parsed.error);
      reject('invalid_payload', answer.error.message, payload);
      reply(answer);
      return;
    }
    if (WRITE_EVENTS.has(event)) {
      const refused = ctx.budgets.chargeWrite(ctx.principal, payloadBytes(payload), `${ctx.socket.nsp.name} ${event}`);
      if (refused) {
        reply(refused);
        return;
      }
    }
    try {
      const response = await handler(parsed.data);
      if (!response.ok && response.error.code === 'invalid_payload') reject('invalid_payload', response.error.message, payload);
      reply(response);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        // A forged, truncated or foreign cursor (`queue.page`) is bad input, as it is on REST, not a hub failure.
        reject('invalid_payload', error.message, payload);
        reply(fail('invalid_payload', 'Invalid cursor: not one this API returned'));
        return;
      }
      ctx.log.error({ err: error, event, principal: ctx.principal.id }, 'handler failed');
      reply(fail('internal', 'The hub could not complete this request; nothing was changed. Try again.'));
    }
  });
}

/** Answers events this namespace does not know, so a client never waits on a silent hub. */
export function refuseUnknownEvents(ctx: ListenerContext, known: readonly string[], otherRolesEvents: readonly string[]): void {
  ctx.socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.includes(event)) return;
    const name = typeof event === 'string' ? event.slice(0, 64) : String(typeof event);
    const forbidden = typeof event === 'string' && otherRolesEvents.includes(event);
    const code = forbidden ? 'forbidden' : 'invalid_payload';
    const message = forbidden
      ? `"${name}" is not allowed for the ${ctx.principal.role} role on ${ctx.socket.nsp.name}`
      : `Unknown event "${name}" on ${ctx.socket.nsp.name}`;
    ctx.auditor.record({ actor: actorOf(ctx.principal), key: ctx.principal.id, channel: `${ctx.socket.nsp.name} ${name}`, code, message });
    const ack = args.at(-1);
    if (typeof ack === 'function') {
      try {
        ack(fail(code, message));
      } catch {
        // A broken client callback is not ours to handle.
      }
    }
  });
}
