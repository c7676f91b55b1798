import {
  Namespace,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
} from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';

export type AgentSocket = Socket<AgentServerToClientEvents, AgentClientToServerEvents>;
export type ReviewerSocket = Socket<ReviewerServerToClientEvents, ReviewerClientToServerEvents>;

const CONNECT_TIMEOUT_MS = 30_000;
/** Handshakes in flight at once per worker: enough to connect thousands quickly without a SYN flood of our own. */
const CONNECT_CONCURRENCY = 64;

export interface ReconnectOptions {
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
}

function openSocket(url: string, namespace: string, token: string, reconnect: ReconnectOptions | null): Socket {
  return io(`${url}${namespace}`, {
    transports: ['websocket'],
    auth: { token },
    // One WebSocket per simulated client: without it socket.io-client would multiplex sockets over a shared Manager.
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
    ...(reconnect
      ? { reconnection: true, reconnectionDelay: reconnect.reconnectionDelayMs, reconnectionDelayMax: reconnect.reconnectionDelayMaxMs }
      : { reconnection: false }),
  });
}

function whenConnected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve();
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new Error(`socket connect failed: ${error.message}`));
    });
  });
}

/** Opens one socket per token, spread over the nodes, a bounded number of handshakes at a time; resolves when all are connected. */
async function connectMany<S extends Socket>(
  urls: readonly string[],
  /** Socket i goes to node `(i + nodeOffset) % urls.length`. */
  nodeOffset: number,
  namespace: string,
  tokens: readonly string[],
  reconnect: ReconnectOptions | null,
  prepare: (socket: S, index: number) => void,
): Promise<S[]> {
  const sockets: S[] = new Array<S>(tokens.length);
  let next = 0;
  const lane = async () => {
    while (next < tokens.length) {
      const index = next++;
      const socket = openSocket(urls[(index + nodeOffset) % urls.length]!, namespace, tokens[index]!, reconnect) as S;
      prepare(socket, index);
      sockets[index] = socket;
      await whenConnected(socket);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, tokens.length) }, lane));
  return sockets;
}

export function connectAgents(
  urls: readonly string[],
  tokens: readonly string[],
  prepare: (socket: AgentSocket, index: number) => void,
  reconnect: ReconnectOptions | null = null,
): Promise<AgentSocket[]> {
  return connectMany<AgentSocket>(urls, 0, Namespace.agent, tokens, reconnect, prepare);
}

/** Reviewers start one node further than agents, so on a cluster most requests cross from one node to another. */
export function connectReviewers(urls: readonly string[], tokens: readonly string[], prepare: (socket: ReviewerSocket, index: number) => void): Promise<ReviewerSocket[]> {
  return connectMany<ReviewerSocket>(urls, 1, Namespace.reviewer, tokens, null, prepare);
}

/** Acks are read, not trusted: only `ok: true` counts as success. */
export function ackErrorCode(ack: unknown): string | null {
  if (typeof ack !== 'object' || ack === null) return 'malformed_ack';
  const envelope = ack as { ok?: unknown; error?: { code?: unknown } };
  if (envelope.ok === true) return null;
  return typeof envelope.error?.code === 'string' ? envelope.error.code : 'malformed_ack';
}
