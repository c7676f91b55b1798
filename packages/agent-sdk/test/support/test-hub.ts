import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentEvent,
  Namespace,
  fail,
  ok,
  responseOf,
  type Ack,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type DeliveryReceipt,
  type Decision,
} from '@approval-hub/protocol';
import { Server, type Socket } from 'socket.io';

type AgentServer = Server<AgentClientToServerEvents, AgentServerToClientEvents>;
type AgentServerSocket = Socket<AgentClientToServerEvents, AgentServerToClientEvents>;

/** What the test hub answers to one `approval.request`: an ack, or `'drop'` to never ack (a lost ack). */
export type RequestReply = Ack<ApprovalRecord> | 'drop';

export const TEST_TOKEN = 'agent-token';

/**
 * A stand-in for the real hub, just enough to exercise the client: it keeps records across restarts,
 * answers the agent events, and delivers decisions until one socket acks them.
 */
export class TestHub {
  readonly records = new Map<string, ApprovalRecord>();
  readonly received: { event: string; payload: unknown }[] = [];
  /** Overrides the answer to `approval.request`; return undefined for the normal behaviour. */
  onRequest: (input: ApprovalRequestInput) => RequestReply | undefined = () => undefined;
  redeliverOnConnect = true;
  private readonly delivered = new Set<string>();
  private io: AgentServer | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const http = createServer();
    const io: AgentServer = new Server(http);
    const agents = io.of(Namespace.agent);
    agents.use((socket, next) => {
      if (socket.handshake.auth['token'] === TEST_TOKEN) return next();
      next(Object.assign(new Error('refused'), { data: { code: 'unauthorized', message: 'Unknown token' } }));
    });
    agents.on('connection', (socket) => this.serve(socket));
    await new Promise<void>((resolve) => http.listen(this.port, '127.0.0.1', resolve));
    this.port = (http.address() as AddressInfo).port;
    this.io = io;
  }

  /** Stops listening, as a crashed hub would; records survive for `start()`. */
  async stop(): Promise<void> {
    const io = this.io;
    this.io = null;
    if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
  }

  /** Cuts every agent's transport; clients see a network failure and reconnect by themselves. */
  dropConnections(): void {
    for (const socket of this.sockets()) socket.conn.close();
  }

  countOf(event: string): number {
    return this.received.filter((r) => r.event === event).length;
  }

  /** Decides a record and delivers the decision to every connected agent; returns their receipts. */
  async decide(requestId: string, decision: Partial<Decision> & { approved: boolean }, status?: ApprovalRecord['status']): Promise<Ack<DeliveryReceipt>[]> {
    const record = this.records.get(requestId);
    if (!record) throw new Error(`no record ${requestId}`);
    record.status = status ?? (decision.approved ? 'approved' : 'denied');
    record.decision = {
      args: record.args,
      modified: false,
      decidedBy: { kind: 'reviewer', id: 'r1', name: 'Rita' },
      decidedAt: new Date().toISOString(),
      ...decision,
    };
    return Promise.all(this.sockets().map((socket) => this.deliver(socket, record)));
  }

  /** Sends any payload as `approval.response` to every connected agent; returns their acks. */
  async sendRaw(payload: unknown): Promise<unknown[]> {
    return Promise.all(this.sockets().map((socket) => socket.timeout(2000).emitWithAck(AgentEvent.response, payload as never)));
  }

  private sockets(): AgentServerSocket[] {
    return this.io ? [...this.io.of(Namespace.agent).sockets.values()] : [];
  }

  private serve(socket: AgentServerSocket): void {
    socket.on(AgentEvent.request, (input, ack) => {
      this.received.push({ event: AgentEvent.request, payload: input });
      const reply = this.onRequest(input) ?? ok(this.recordOf(input));
      if (reply !== 'drop') ack(reply);
    });
    socket.on(AgentEvent.sync, ({ requestIds }, ack) => {
      this.received.push({ event: AgentEvent.sync, payload: { requestIds } });
      ack(ok(requestIds.flatMap((id) => this.records.get(id) ?? [])));
    });
    socket.on(AgentEvent.cancel, ({ requestId, reason }, ack) => {
      this.received.push({ event: AgentEvent.cancel, payload: { requestId, reason } });
      const record = this.records.get(requestId);
      if (!record) return ack(fail('not_found', 'no such request'));
      record.status = 'cancelled';
      record.decision = { approved: false, args: record.args, modified: false, decidedBy: { kind: 'policy', rule: 'agent-cancel' }, decidedAt: new Date().toISOString() };
      if (reason !== undefined) record.decision.reason = reason;
      ack(ok(record));
    });
    if (this.redeliverOnConnect) {
      for (const record of this.records.values()) if (record.decision && !this.delivered.has(record.requestId)) void this.deliver(socket, record);
    }
  }

  private async deliver(socket: AgentServerSocket, record: ApprovalRecord): Promise<Ack<DeliveryReceipt>> {
    const response = responseOf(record);
    if (!response) throw new Error('not decided');
    const receipt = await socket.timeout(2000).emitWithAck(AgentEvent.response, response);
    if (receipt.ok) this.delivered.add(record.requestId);
    return receipt;
  }

  private recordOf(input: ApprovalRequestInput): ApprovalRecord {
    const existing = this.records.get(input.requestId);
    if (existing) return existing;
    const now = Date.now();
    const record: ApprovalRecord = {
      requestId: input.requestId,
      status: 'pending',
      toolName: input.toolName,
      args: input.args,
      agentName: input.agentName ?? 'agent',
      runId: input.runId,
      queue: input.queue ?? 'default',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (input.timeoutMs ?? 60_000)).toISOString(),
    };
    if (input.conversationId !== undefined) record.conversationId = input.conversationId;
    if (input.description !== undefined) record.description = input.description;
    this.records.set(record.requestId, record);
    return record;
  }
}
