import { createServer, type Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
// The hub's own metrics code, so both servers' figures (loop delay above all) are computed alike.
import { createProcessMetrics } from '@approval-hub/hub/process-metrics';

/**
 * Baseline L1: the least a Socket.IO server must do to carry an approval round trip. It speaks the hub's event
 * names and ack envelope so the same client code drives both, and deliberately has no validation, no auth
 * and no database: whatever the hub costs above this is the price of those.
 */
export function createRelay(): HttpServer {
  const metrics = createProcessMetrics();
  const httpServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname !== '/api/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('reset') === 'loop') metrics.resetLoopDelay();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(metrics.snapshot({ agents: agents.sockets.size, reviewers: reviewers.sockets.size })));
  });
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 2 * 65_536 + 16 * 1024 });
  const agents = io.of('/agent');
  const reviewers = io.of('/reviewer');
  /** The only state a relay needs: which agent socket asked, so the answer can find its way back. */
  const askedBy = new Map<string, Socket>();

  agents.on('connection', (socket) => {
    socket.on('approval.request', (request: { requestId: string; queue?: string }, ack: (response: unknown) => void) => {
      askedBy.set(request.requestId, socket);
      reviewers.to(['queues:*', `queue:${request.queue ?? 'default'}`]).emit('approval.request', request);
      ack({ ok: true, data: request });
    });
    socket.on('approval.sync', (request: { requestIds: string[] }, ack: (response: unknown) => void) => {
      ack({ ok: true, data: request.requestIds.filter((id) => askedBy.has(id)).map((requestId) => ({ requestId, status: 'pending' })) });
    });
  });

  reviewers.on('connection', (socket) => {
    socket.on('queue.subscribe', (request: { queues?: string[] }, ack: (response: unknown) => void) => {
      // biome-ignore lint/complexity/noVoid: Socket.IO's in-memory adapter joins synchronously; no promise is made.
      void socket.join(request.queues ? request.queues.map((q) => `queue:${q}`) : ['queues:*']);
      ack({ ok: true, data: { pending: [], serverTime: new Date().toISOString(), queues: request.queues ?? null } });
    });
    socket.on('approval.response', (decision: { requestId: string; approved: boolean }, ack: (response: unknown) => void) => {
      const agent = askedBy.get(decision.requestId);
      askedBy.delete(decision.requestId);
      ack({ ok: true, data: decision });
      agent?.emit('approval.response', { ...decision, status: decision.approved ? 'approved' : 'denied' }, () => undefined);
    });
  });

  return httpServer;
}
