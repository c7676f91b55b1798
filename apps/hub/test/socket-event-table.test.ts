import { Namespace, fail, ok, socketEventList, type ApprovalDetail, type ApprovalRecord, type ApprovalRequestInput, type NamespaceName } from '@approval-hub/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { listen, type ListenerContext } from '../src/sockets/socket-listener.js';
import { connected, emitAck, startTestHub, type TestHub } from './support/test-hub.js';

/**
 * The protocol's event table is the hub's contract: every command in it is served on its namespace, refused as
 * `forbidden` to the other role, and a fact (hub → client) is no command. A new entry joins these checks by itself.
 */
let hub: TestHub;
const sockets = {} as Record<NamespaceName, Socket>;

beforeAll(async () => {
  hub = await startTestHub();
  sockets.agent = hub.connectAgent();
  sockets.reviewer = hub.connectReviewer();
  await Promise.all(Object.values(sockets).map(connected));
});
afterAll(async () => {
  await hub.close();
});

const events = socketEventList();
const commands = events.filter((e) => e.direction === 'clientToServer');
const isCommandOn = (namespace: NamespaceName, name: string) => commands.some((c) => c.namespace === namespace && c.name === name);

describe('the event table, served', () => {
  it.each(commands.map((c) => [`${Namespace[c.namespace]} ${c.name}`, c] as const))('%s has a listener that validates its payload', async (_label, command) => {
    // `null` fits no payload schema: the command's own listener answers, not the catch-all for unknown events.
    const ack = await emitAck(sockets[command.namespace], command.name, null);
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: expect.stringMatching(new RegExp(`^Invalid ${command.name.replace('.', '\\.')}`)) } });
  });

  it('a command of the other namespace is refused as forbidden, a fact as unknown', async () => {
    for (const namespace of Object.keys(sockets) as NamespaceName[]) {
      for (const e of events) {
        if (isCommandOn(namespace, e.name)) continue;
        // A name another role may send is theirs (forbidden), even where it is also a fact here (`approval.response`).
        const othersCommand = commands.some((c) => c.namespace !== namespace && c.name === e.name);
        const code = othersCommand ? 'forbidden' : 'invalid_payload';
        const ack = await emitAck(sockets[namespace], e.name, {});
        if (!othersCommand) expect(ack, `${e.name} sent on ${Namespace[namespace]}`).toMatchObject({ error: { message: expect.stringMatching(/^Unknown event/) } });
        expect(ack, `${e.name} sent on ${Namespace[namespace]}`).toMatchObject({ ok: false, error: { code } });
      }
    }
  });
});

/** Never called: the compiler checks these calls (`pnpm typecheck`). */
export function listenIsTypedByEventName(agent: ListenerContext<'agent'>, reviewer: ListenerContext<'reviewer'>, record: ApprovalRecord): void {
  listen(agent, 'approval.request', (input) => {
    expectTypeOf(input).toEqualTypeOf<ApprovalRequestInput>();
    return ok(record);
  });
  listen(reviewer, 'approval.get', async ({ requestId }) => (requestId ? fail('not_found', 'no such request') : ok({ ...record, timeline: [] } satisfies ApprovalDetail)));
  // @ts-expect-error approval.get answers an ApprovalDetail (with its timeline), not a bare record
  listen(reviewer, 'approval.get', () => ok(record));
  // @ts-expect-error on /reviewer, approval.request is a fact the hub sends, not a command
  listen(reviewer, 'approval.request', () => ok(record));
  // @ts-expect-error queue.subscribe is a reviewer command, not an agent one
  listen(agent, 'queue.subscribe', () => fail('forbidden', 'no'));
  // @ts-expect-error not an event of the contract
  listen(agent, 'approval.requests', () => ok(record));
}
