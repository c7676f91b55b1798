import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ResultSchema, type Notification, type Request, type Result, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The way back to one client session, for what its upstream connection sends on its own: logs, resource updates,
 * list changes, and sampling, elicitation and roots requests.
 *
 * While a request of this session runs upstream, messages go out as related to it: over Streamable HTTP they then
 * travel on that request's response stream, which the client reads anyway (the standalone GET stream is optional,
 * and some clients never open it). Otherwise they go out unrelated.
 */
export class ClientRoute {
  private readonly running: Extra[] = [];
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly server: Server) {}

  /** Marks a client request as running upstream until `done` settles. */
  async while<T>(extra: Extra, done: () => Promise<T>): Promise<T> {
    this.running.push(extra);
    try {
      const result = await done();
      // What the upstream sent before its result goes out before the result, as the upstream ordered it.
      await Promise.allSettled([...this.sending]);
      return result;
    } finally {
      this.running.splice(this.running.indexOf(extra), 1);
    }
  }

  notify(notification: Notification): Promise<void> {
    const current = this.running.at(-1);
    const sent = current ? current.sendNotification(notification as ServerNotification) : this.server.notification(notification as ServerNotification);
    this.sending.add(sent);
    // The caller gets `sent` and handles its failure; this chain only forgets it once settled.
    sent.finally(() => this.sending.delete(sent)).catch(() => {});
    return sent;
  }

  /** Asks the client and returns its answer unchanged (loose schema: the upstream validates what it asked for). */
  request(request: Request, signal: AbortSignal): Promise<Result> {
    const current = this.running.at(-1);
    if (current) return current.sendRequest(request as ServerRequest, ResultSchema, { signal });
    return this.server.request(request as ServerRequest, ResultSchema, { signal });
  }
}
