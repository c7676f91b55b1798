import { ConnectErrorData, Namespace, ackSchema, socketEventList, type NamespaceName } from '@approval-hub/protocol';
import type { z } from 'zod';
import { HUB_VERSION } from '../../runtime/version.js';
import { namedSchemas } from './json-schema.js';

type Json = Record<string, unknown>;

const channelId = (namespace: string) => namespace.replace(/^\//, '');
const messageId = (namespace: string, event: string, ack = false) => `${channelId(namespace)}.${event}${ack ? '.ack' : ''}`.replace(/\./g, '_');

/**
 * The AsyncAPI 3.0 document of the Socket.IO API, generated from the protocol's event table (`SocketEvents`), the
 * same schemas the hub's listeners validate with. One channel per namespace; each event is a message, each ack a
 * reply message on the same channel. "send"/"receive" are from the hub's side: the hub receives what clients emit.
 */
export function buildAsyncApiDocument(): Json {
  const schemas: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = { ConnectErrorData: { schema: ConnectErrorData, io: 'output' } };
  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const messages: Record<string, Json> = {};

  const events = socketEventList();
  for (const name of Object.keys(Namespace) as NamespaceName[]) {
    const namespace = Namespace[name];
    const channel = channelId(namespace);
    const channelMessages: Record<string, Json> = {};
    const directions = [
      ['receive', 'clientToServer', 'input'],
      ['send', 'serverToClient', 'output'],
    ] as const;
    for (const [action, direction, io] of directions) {
      for (const doc of events.filter((e) => e.namespace === name && e.direction === direction)) {
        const event = doc.name;
        const id = messageId(namespace, event);
        schemas[id] = { schema: doc.payload, io };
        messages[id] = { name: event, title: event, summary: doc.summary, payload: { $ref: `#/components/schemas/${id}` } };
        channelMessages[id] = { $ref: `#/components/messages/${id}` };
        const operation: Json = {
          action,
          channel: { $ref: `#/channels/${channel}` },
          summary: doc.summary,
          messages: [{ $ref: `#/channels/${channel}/messages/${id}` }],
        };
        if (doc.ack) {
          const ackId = messageId(namespace, event, true);
          // An ack travels the other way: what a client sends, the hub answers (output), and the reverse.
          schemas[ackId] = { schema: ackSchema(doc.ack), io: io === 'input' ? 'output' : 'input' };
          messages[ackId] = { name: `${event} ack`, title: `${event} (ack)`, summary: 'The acknowledgement: { ok: true, data } or { ok: false, error: { code, message, details? } }', payload: { $ref: `#/components/schemas/${ackId}` } };
          channelMessages[ackId] = { $ref: `#/components/messages/${ackId}` };
          operation.reply = { channel: { $ref: `#/channels/${channel}` }, messages: [{ $ref: `#/channels/${channel}/messages/${ackId}` }] };
        }
        operations[`${channel}_${action}_${event.replace(/\./g, '_')}`] = operation;
      }
    }
    channels[channel] = {
      address: namespace,
      title: `Socket.IO namespace ${namespace}`,
      description:
        namespace === Namespace.agent
          ? 'Agents ask for approval and receive decisions. Authenticate with an agent token in the handshake (`auth: { token }`).'
          : 'Reviewers watch their queues and decide. Authenticate with a reviewer or admin token in the handshake (`auth: { token }`).',
      messages: channelMessages,
    };
  }

  const componentSchemas: Record<string, Json> = {};
  for (const io of ['input', 'output'] as const) {
    const group = Object.fromEntries(Object.entries(schemas).filter(([, v]) => v.io === io).map(([k, v]) => [k, v.schema]));
    Object.assign(componentSchemas, namedSchemas(group, io, '#/components/schemas/'));
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Approval Hub Socket.IO API',
      version: HUB_VERSION,
      description:
        'Socket.IO v4 (Engine.IO 4) over WebSocket or HTTP long-polling, at path `/socket.io/`. Every command is acknowledged with `{ ok: true, data } | { ok: false, error: { code, message, details? } }`, `code` from a closed set. A refused handshake is a `connect_error` whose `data` is ConnectErrorData.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      hub: { host: 'localhost:4000', protocol: 'ws', pathname: '/socket.io', description: 'The hub itself (same port as the REST API).', security: [{ $ref: '#/components/securitySchemes/handshakeToken' }] },
    },
    channels,
    operations,
    components: {
      schemas: componentSchemas,
      messages,
      securitySchemes: {
        handshakeToken: { type: 'httpApiKey', name: 'token', in: 'query', description: 'Socket.IO handshake `auth.token` (sent in the CONNECT packet, not the URL).' },
      },
    },
  };
}
