import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultAccess, isLoopback, refusalOf, type ListenerAccess } from './listener-guard.js';

export const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface McpHttpListener {
  url: string;
  close(): Promise<void>;
}

export interface McpHttpListenerOptions {
  port: number;
  host: string;
  createServer: () => Server;
  log: (message: string) => void;
  /** Host and Origin allow-lists and the bearer token; defaults to loopback names and no token. */
  access?: ListenerAccess;
  /** Binding a non-loopback address without a token is refused unless this is set. */
  allowUnauthenticated?: boolean;
  /** A session with no open request or stream for this long is closed, and its upstream with it (default 30 min). */
  sessionIdleMs?: number;
}

const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

/** One client session: its transport, and how much of it is in use. */
interface LiveSession {
  transport: StreamableHTTPServerTransport;
  /** Requests and streams still open: a call waiting hours for a reviewer keeps its session. */
  open: number;
  lastSeen: number;
}

/** Thrown before binding when the listener would be reachable from the network by anyone. */
export class UnsafeListenerError extends Error {
  override readonly name = 'UnsafeListenerError';
}

/**
 * Serves MCP over Streamable HTTP at `/mcp`: one transport and one server per session (the session id is the
 * hub `runId`). Every request is checked first against the Host and Origin allow-lists (DNS rebinding) and the
 * bearer token, when one is set. A non-loopback bind needs a token, or an explicit `allowUnauthenticated`.
 */
export async function listenMcpHttp(options: McpHttpListenerOptions): Promise<McpHttpListener> {
  const access = options.access ?? defaultAccess(options.host, {});
  if (!isLoopback(options.host) && access.token === undefined && !options.allowUnauthenticated) {
    throw new UnsafeListenerError(
      `refusing to listen on ${options.host} without a token: anyone who can reach it could run tools as this proxy's agent. ` +
        'Set HUB_MCP_LISTEN_TOKEN (or --listen-token), or pass --allow-unauthenticated-listen if something in front of it authenticates.',
    );
  }
  const sessions = new Map<string, LiveSession>();
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const track = (live: LiveSession, res: ServerResponse) => {
    live.open++;
    live.lastSeen = Date.now();
    res.once('close', () => {
      live.open--;
      live.lastSeen = Date.now();
    });
  };
  // Clients that vanish without DELETE would otherwise keep their session, and a stdio upstream process, forever.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const live of sessions.values()) if (live.open === 0 && now - live.lastSeen > idleMs) {
          live.transport.close().catch((error: unknown) => options.log(`closing an idle session failed: ${error instanceof Error ? error.message : String(error)}`));
        }
    },
    Math.min(60_000, Math.max(50, idleMs / 4)),
  );
  sweep.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refusal = refusalOf(req, access);
    if (refusal) {
      if (refusal.status === 401) res.setHeader('www-authenticate', 'Bearer realm="approval-hub-mcp"');
      return answer(res, refusal.status, refusal.message);
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MCP_PATH) return answer(res, 404, 'Not found');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) track(existing, res);
    if (req.method === 'POST') {
      const body = await readJson(req);
      if (body === undefined) return answer(res, 400, 'Invalid JSON');
      if (existing) return existing.transport.handleRequest(req, res, body);
      if (sessionId === undefined && isInitializeRequest(body)) {
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            const live: LiveSession = { transport, open: 0, lastSeen: Date.now() };
            sessions.set(id, live);
            track(live, res);
          },
          onsessionclosed: (id) => {
            sessions.delete(id);
          },
        });
        transport.onclose = () => {
          if (transport.sessionId) sessions.delete(transport.sessionId);
        };
        await options.createServer().connect(transport);
        return transport.handleRequest(req, res, body);
      }
      return answer(res, sessionId === undefined ? 400 : 404, sessionId === undefined ? 'Missing Mcp-Session-Id' : 'Unknown session');
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) return answer(res, sessionId === undefined ? 400 : 404, 'Unknown session');
      return existing.transport.handleRequest(req, res);
    }
    return answer(res, 405, 'Method not allowed');
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log(`HTTP request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) answer(res, 500, 'Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}${MCP_PATH}`,
    async close() {
      clearInterval(sweep);
      await Promise.allSettled([...sessions.values()].map((live) => live.transport.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
