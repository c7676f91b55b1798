import {
  Namespace,
  fail,
  socketEventList,
  socketEventSpec,
  type Ack,
  type CommandAckData,
  type CommandPayload,
  type NamespaceName,
  type Principal,
  type SocketEventName,
} from '@approval-hub/protocol';
import type { Socket } from 'socket.io';
import type { Logger } from '../runtime/logger.js';
import { actorOf } from '../engine/access.js';
import { InvalidCursorError } from '../engine/cursors.js';
import type { HubContext } from '../transports/hub-context.js';
import { TokenBucket } from '../limits/rate-limiter.js';
import type { PrincipalBudgets } from '../limits/principal-budgets.js';
import type { RejectionAuditor } from '../audit/rejection-audit.js';
import { invalidPayload, payloadBytes } from '../transports/payload-validation.js';

/** A command clients may send on namespace `N`. */
export type CommandName<N extends NamespaceName> = SocketEventName<N, 'clientToServer'>;

export interface ListenerContext<N extends NamespaceName = NamespaceName> {
  /** The namespace this socket is on: which commands it may send, with which payloads. */
  namespace: N;
  socket: Socket;
  principal: Principal;
  bucket: TokenBucket;
  budgets: PrincipalBudgets;
  auditor: RejectionAuditor;
  log: Logger;
  maxPayloadBytes: number;
  /** The commands this socket has listeners for; every other event is refused by {@link refuseUnknownEvents}. */
  listening: Set<string>;
}

/** The per-connection context every listener of one socket shares, with its own rate-limit bucket. */
export function listenerContext<N extends NamespaceName>(namespace: N, socket: Socket, hub: HubContext): ListenerContext<N> {
  return {
    namespace,
    socket,
    principal: socket.data.principal as Principal,
    bucket: new TokenBucket(hub.config.limits.ratePerSecond, hub.config.limits.rateBurst),
    budgets: hub.budgets,
    auditor: hub.auditor,
    log: hub.log,
    maxPayloadBytes: hub.config.limits.maxPayloadBytes,
    listening: new Set(),
  };
}

/**
 * Turns a command of the event table and its handler into a Socket.IO listener: checks the ack is a function, the
 * rate limit, the size and the command's payload schema, then runs the handler inside try/catch — Socket.IO catches
 * nothing for you. The handler gets the parsed payload and must answer the command's ack type.
 */
export function listen<N extends NamespaceName, E extends CommandName<N>>(
  ctx: ListenerContext<N>,
  event: E,
  handler: (payload: CommandPayload<N, E>) => Promise<Ack<CommandAckData<N, E>>> | Ack<CommandAckData<N, E>>,
): void {
  const spec = socketEventSpec(ctx.namespace, 'clientToServer', event);
  // Unreachable for callers the compiler checked; a guard for the rest.
  if (!spec) throw new Error(`${event} is not a command on ${Namespace[ctx.namespace]}`);
  ctx.listening.add(event);
  type T = CommandAckData<N, E>;
  // Recorded against the sender only: an id in a rejected payload may name someone else's request.
  const reject = (code: 'invalid_payload' | 'payload_too_large' | 'rate_limited', message: string, _payload: unknown) =>
    ctx.auditor.record({ actor: actorOf(ctx.principal), key: ctx.principal.id, channel: `${ctx.socket.nsp.name} ${event}`, code, message });

  ctx.socket.on(event as string, async (...args: unknown[]) => {
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
    // Measured once (it serialises the payload): the size limit and the write budget charge the same figure.
    const bytes = payloadBytes(payload);
    if (bytes > ctx.maxPayloadBytes) {
      reject('payload_too_large', `${event} payload over ${ctx.maxPayloadBytes} bytes`, payload);
      reply(fail('payload_too_large', `Payload larger than the hub's limit of ${ctx.maxPayloadBytes} bytes`));
      return;
    }
    const parsed = spec.payload.safeParse(payload);
    if (!parsed.success) {
      const answer = invalidPayload(event, parsed.error);
      reject('invalid_payload', answer.error.message, payload);
      reply(answer);
      return;
    }
    // A command that writes (a request, a cancel, a decision) is charged to the token's write budget.
    if (spec.writes) {
      const refused = ctx.budgets.chargeWrite(ctx.principal, bytes, `${ctx.socket.nsp.name} ${event}`);
      if (refused) {
        reply(refused);
        return;
      }
    }
    try {
      const response = await handler(parsed.data as CommandPayload<N, E>);
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

const commandsOn = (namespace: NamespaceName) =>
  socketEventList()
    .filter((e) => e.namespace === namespace && e.direction === 'clientToServer')
    .map((e) => e.name);
/** The commands only other namespaces (so other roles) may send. */
const otherRolesCommands = (namespace: NamespaceName): ReadonlySet<string> => {
  const here = new Set(commandsOn(namespace));
  const elsewhere = (Object.keys(Namespace) as NamespaceName[]).filter((other) => other !== namespace).flatMap(commandsOn);
  return new Set(elsewhere.filter((name) => !here.has(name)));
};
const OTHER_ROLES_COMMANDS: Record<NamespaceName, ReadonlySet<string>> = { agent: otherRolesCommands('agent'), reviewer: otherRolesCommands('reviewer') };

/**
 * Answers events this socket has no listener for, so a client never waits on a silent hub: a command of another
 * namespace is `forbidden` (another role's), anything else `invalid_payload`. Call it after the socket's `listen`s.
 */
export function refuseUnknownEvents(ctx: ListenerContext): void {
  const known = ctx.listening;
  const otherRolesEvents = OTHER_ROLES_COMMANDS[ctx.namespace];
  ctx.socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return;
    const name = typeof event === 'string' ? event.slice(0, 64) : String(typeof event);
    const forbidden = typeof event === 'string' && otherRolesEvents.has(event);
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
