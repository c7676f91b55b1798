import type { Progress, ProgressToken, ServerNotification } from '@modelcontextprotocol/sdk/types.js';

/**
 * One client request's progress, as one increasing sequence: first the proxy's own "waiting for a reviewer"
 * messages (1, 2, 3, …), then the upstream's notifications, shifted past them. Progress must increase (MCP), and the
 * upstream counts from its own zero; without waiting messages its values pass through unchanged.
 */
export class ProgressRelay {
  private last = 0;
  private sent = false;
  private offset: number | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly token: ProgressToken,
    private readonly send: (notification: ServerNotification) => Promise<void>,
  ) {}

  waiting(message: string): void {
    this.emit(this.last + 1, undefined, message);
  }

  upstream(progress: Progress): void {
    this.offset ??= this.sent ? this.last + 1 : 0;
    const value = this.offset + progress.progress;
    // An upstream that repeats or goes back would make the client drop the notification (or the request).
    if (this.sent && value <= this.last) return;
    this.emit(value, progress.total === undefined ? undefined : this.offset + progress.total, progress.message);
  }

  /** Resolves once every notification emitted so far is sent: a result must not overtake its own progress. */
  flush(): Promise<void> {
    return this.sending;
  }

  private emit(progress: number, total: number | undefined, message: string | undefined): void {
    this.last = progress;
    this.sent = true;
    const notification: ServerNotification = {
      method: 'notifications/progress',
      params: { progressToken: this.token, progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) },
    };
    this.sending = this.sending.then(() => this.send(notification)).catch(() => {});
  }
}
