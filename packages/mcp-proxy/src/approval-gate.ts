import { ClientClosedError, HubError, outcomeOfResponse, type ApprovalOutcome, type HubClient, type RequestApprovalOptions, type RiskLevel } from '@approval-hub/agent-sdk';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ProxySettings } from './proxy-settings.js';
import { approvalRequestId, callKey } from './request-id.js';
import { errorResult, toolText } from './tool-results.js';

const MAX_REMEMBERED_OUTCOMES = 1000;

type JsonObject = Record<string, never> | { [key: string]: unknown };

/** One gated tool call as the MCP server received it. */
export interface GatedCall {
  sessionId: string;
  toolName: string;
  args: JsonObject;
  description?: string;
  /** From the tool's annotations (`riskOfAnnotations`). */
  risk?: RiskLevel;
  /** The tool's title from its annotations, when it has one: a one-line label for the queue. */
  summary?: string;
  /** Aborted when the MCP client cancels the call. */
  signal: AbortSignal;
  /** Shown to reviewers: why the call is flagged (a changed tool definition and its diff). */
  context?: RequestApprovalOptions['context'];
  /** The tool definition the call is made under (its fingerprint), so a grant matching on challenges pins it. */
  challenges?: RequestApprovalOptions['challenges'];
  /** Set when the tool changed since first listed: a grant or policy approval does not run it, only a reviewer's. */
  changedSince?: string;
  /** Called when the call starts waiting for a decision not made yet (to ask the person at the client too). */
  onAsked?: (requestId: string) => void;
  /** Waits for the decision even in pending-retry mode (a task: the client polls the task instead). */
  blocking?: boolean;
  /** Called every `progressIntervalMs` while the call waits for a reviewer. */
  onWaiting?: (waitedMs: number, requestId: string) => void;
}

type Verdict = { kind: 'decided'; outcome: ApprovalOutcome; args: JsonObject; standing: boolean } | { kind: 'failed'; message: string };

/** One generation of one call (session, tool, canonical arguments): one hub request, executed at most once. */
interface Entry {
  key: string;
  requestId: string;
  toolName: string;
  verdict: Promise<Verdict>;
  settled: Verdict | null;
  /** Set once, by the first call that sees the verdict; later calls on this entry get the same result. */
  result: Promise<CallToolResult> | null;
  running: boolean;
  abort: AbortController;
  waiting: number;
}

/**
 * Asks the hub before a tool runs and runs it at most once per approval.
 *
 * Calls with the same session, tool and arguments share an entry, whose hub requestId is a hash of those plus a
 * generation: a client that retries (pending-retry mode, or one that gave up and called again) re-attaches to the
 * same hub request instead of filing another. Once the approved call has run, the generation moves on, so the
 * same arguments ask anew.
 */
export class ApprovalGate {
  private readonly entries = new Map<string, Entry>();
  private readonly byRequestId = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly outcomes = new Map<string, string>();

  constructor(
    private readonly hub: HubClient,
    private readonly settings: ProxySettings,
    private readonly hubLabel: string,
  ) {}

  /** Runs `execute` with the decided arguments once a reviewer (or a hub policy) approved; never without a decision. */
  async run(call: GatedCall, execute: (args: JsonObject, signal: AbortSignal) => Promise<CallToolResult>): Promise<CallToolResult> {
    const key = callKey({ sessionId: call.sessionId, serverName: this.settings.serverName, toolName: call.toolName, args: call.args });
    const entry = this.entries.get(key) ?? this.open(key, call);
    if (entry.result) return entry.result;
    if (!entry.settled) call.onAsked?.(entry.requestId);
    entry.waiting++;
    let verdict: Verdict | 'pending' | 'aborted';
    try {
      verdict = await this.waitFor(entry, call);
    } finally {
      entry.waiting--;
    }
    if (verdict === 'aborted') {
      // The client cancelled: take the request out of reviewers' queues unless another call still waits on it.
      if (entry.waiting === 0 && !entry.settled) this.close(entry, false);
      return errorResult(toolText.cancelled(call.toolName, 'the client cancelled the call'));
    }
    // An error result: it is not the tool's output, and a tool with an outputSchema may return no other kind.
    if (verdict === 'pending') return errorResult(toolText.pending(call.toolName, entry.requestId));
    entry.result ??= this.conclude(entry, verdict, call, execute);
    return entry.result;
  }

  /** What `approval_status` reports for a requestId this proxy filed. */
  status(requestId: string): string {
    const entry = this.byRequestId.get(requestId);
    if (!entry) return this.outcomes.get(requestId) ?? `Unknown request ${requestId}: this session filed no such approval request.`;
    if (entry.running) return `Approved; ${entry.toolName} is running now.`;
    const verdict = entry.settled;
    if (!verdict) return `Pending: no reviewer has decided on ${entry.toolName} yet (request ${requestId}).`;
    if (verdict.kind === 'failed') return toolText.unavailable(entry.toolName, verdict.message);
    switch (verdict.outcome.state) {
      case 'approved':
      case 'edited':
        return `Approved: call ${entry.toolName} again with the same arguments to run it (it runs once).`;
      case 'denied':
        return toolText.denied(verdict.outcome.reason);
      case 'timeout':
        return toolText.timeout(entry.toolName, requestId);
      case 'cancelled':
        return toolText.cancelled(entry.toolName, verdict.outcome.reason);
    }
  }

  /** Cancels every request still waiting (the proxy is shutting down). */
  closeAll(): void {
    for (const entry of [...this.entries.values()]) this.close(entry, false);
  }

  private open(key: string, call: GatedCall): Entry {
    const generation = this.generations.get(key) ?? 0;
    const requestId = approvalRequestId(key, generation);
    const abort = new AbortController();
    const entry: Entry = { key, requestId, toolName: call.toolName, verdict: null as never, settled: null, result: null, running: false, abort, waiting: 0 };
    entry.verdict = this.ask(requestId, call, abort.signal).then((verdict) => {
      entry.settled = verdict;
      return verdict;
    });
    this.entries.set(key, entry);
    this.byRequestId.set(requestId, entry);
    return entry;
  }

  private async ask(requestId: string, call: GatedCall, signal: AbortSignal): Promise<Verdict> {
    const { settings } = this;
    try {
      await this.connected(signal);
      const response = await this.hub.requestApproval({
        requestId,
        toolName: call.toolName,
        args: call.args as never,
        runId: call.sessionId,
        queue: settings.tools[call.toolName]?.queue ?? settings.queue,
        ...(call.description ? { description: call.description.slice(0, 4000) } : {}),
        ...(call.risk ? { risk: call.risk } : {}),
        ...(call.summary ? { summary: call.summary.replace(/\s+/g, ' ').trim().slice(0, 200) } : {}),
        ...(call.context ? { context: call.context } : {}),
        ...(call.challenges ? { challenges: call.challenges } : {}),
        ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
        signal,
      });
      const standing = response.decidedBy.kind === 'grant' || response.decidedBy.kind === 'policy';
      return { kind: 'decided', outcome: outcomeOfResponse(response), args: response.args as JsonObject, standing };
    } catch (error) {
      return { kind: 'failed', message: this.describeFailure(error) };
    }
  }

  /** Fails closed when the hub cannot be reached in time; once connected, the SDK rides out reconnects and restarts. */
  private async connected(signal: AbortSignal): Promise<void> {
    if (this.hub.connected) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('unreachable')), this.settings.connectTimeoutMs);
    });
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    try {
      await Promise.race([this.hub.waitUntilConnected(), timeout, aborted]);
    } finally {
      clearTimeout(timer);
    }
  }

  private describeFailure(error: unknown): string {
    if (error instanceof HubError) {
      if (error.code === 'unauthorized' || error.code === 'forbidden') return `the approval hub refused this proxy's agent token (${error.code}); check --token / HUB_AGENT_TOKEN.`;
      return `the approval hub rejected the request (${error.code}: ${error.message}).`;
    }
    if (error instanceof ClientClosedError) return 'the proxy is shutting down.';
    if (error instanceof Error && error.message === 'unreachable') {
      return `the approval hub at ${this.hubLabel} is unreachable (no connection within ${this.settings.connectTimeoutMs} ms). Nothing runs without a decision.`;
    }
    if (error instanceof Error && error.name === 'AbortError') return 'the request was withdrawn.';
    return 'the approval request failed unexpectedly.';
  }

  private async waitFor(entry: Entry, call: GatedCall): Promise<Verdict | 'pending' | 'aborted'> {
    if (entry.settled) return entry.settled;
    const timers: NodeJS.Timeout[] = [];
    let onAbort: (() => void) | undefined;
    try {
      const started = Date.now();
      if (call.onWaiting) {
        const onWaiting = call.onWaiting;
        const tick = setInterval(() => onWaiting(Date.now() - started, entry.requestId), this.settings.progressIntervalMs);
        timers.push(tick);
      }
      const racers: Promise<Verdict | 'pending' | 'aborted'>[] = [entry.verdict];
      if (this.settings.mode === 'pending-retry' && !call.blocking) {
        racers.push(new Promise((resolve) => timers.push(setTimeout(() => resolve('pending'), this.settings.waitMs))));
      }
      racers.push(
        new Promise((resolve) => {
          if (call.signal.aborted) return resolve('aborted');
          onAbort = () => resolve('aborted');
          call.signal.addEventListener('abort', onAbort, { once: true });
        }),
      );
      return await Promise.race(racers);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      if (onAbort) call.signal.removeEventListener('abort', onAbort);
    }
  }

  private async conclude(entry: Entry, verdict: Verdict, call: GatedCall, execute: (args: JsonObject, signal: AbortSignal) => Promise<CallToolResult>): Promise<CallToolResult> {
    if (verdict.kind === 'failed') {
      // Nothing was decided: the same arguments may ask again under the same requestId (the hub dedupes it).
      this.close(entry, false);
      return errorResult(toolText.unavailable(call.toolName, verdict.message));
    }
    const { outcome } = verdict;
    if ((outcome.state === 'approved' || outcome.state === 'edited') && verdict.standing && call.changedSince) {
      // A grant or policy was made for the definition the reviewer saw then, not for this one.
      this.close(entry, true, toolText.toolChanged(call.toolName, call.changedSince));
      return errorResult(toolText.toolChanged(call.toolName, call.changedSince));
    }
    if (outcome.state === 'approved' || outcome.state === 'edited') {
      // The reviewer's decision is what runs: `verdict.args` are the decided arguments, edited or not.
      entry.running = true;
      try {
        return await execute(verdict.args, call.signal);
      } finally {
        this.close(entry, true, `Approved; ${call.toolName} ran. Calling it again with the same arguments asks for a new approval.`);
      }
    }
    if (outcome.state === 'denied') {
      this.close(entry, true, toolText.denied(outcome.reason));
      return errorResult(toolText.denied(outcome.reason));
    }
    if (outcome.state === 'timeout') {
      this.close(entry, true, toolText.timeout(call.toolName, entry.requestId));
      return errorResult(toolText.timeout(call.toolName, entry.requestId));
    }
    this.close(entry, true, toolText.cancelled(call.toolName, outcome.state === 'cancelled' ? outcome.reason : undefined));
    return errorResult(toolText.cancelled(call.toolName, outcome.state === 'cancelled' ? outcome.reason : undefined));
  }

  /**
   * Forgets an entry and moves its call to the next generation, so the same arguments ask anew: after a run, a
   * denial or a timeout, and also after a cancel (the cancelled hub record cannot be asked again).
   */
  private close(entry: Entry, decided: boolean, summary?: string): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.byRequestId.delete(entry.requestId);
    this.generations.set(entry.key, (this.generations.get(entry.key) ?? 0) + 1);
    if (summary) {
      this.outcomes.set(entry.requestId, summary);
      if (this.outcomes.size > MAX_REMEMBERED_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
    }
    if (!decided && !entry.settled) entry.abort.abort('The MCP client cancelled the call');
  }

}
