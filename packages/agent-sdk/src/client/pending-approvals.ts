import type { ApprovalRequestInput, ApprovalResponse } from '@approval-hub/protocol';
import { RecentIds } from './recent-ids.js';

/** How many settled request ids are remembered, so late or repeated deliveries of their decisions can still be acked. */
const REMEMBERED_IDS = 10_000;

/** One `requestApproval` call that has not settled yet. */
export interface Waiter {
  readonly input: ApprovalRequestInput;
  /** The hub acknowledged the request as pending; from now on only a delivery or a sync can settle it. */
  acked: boolean;
  /** The request was emitted at least once, so the hub may hold it. */
  sent: boolean;
  /** The `approval.request` emit currently awaiting its ack, if any. */
  inFlight: Promise<unknown> | null;
}

interface Entry {
  waiter: Waiter;
  resolve: (response: ApprovalResponse) => void;
  reject: (error: unknown) => void;
}

/** The calls this process waits on, and the ids it settled recently; each call settles exactly once. */
export class PendingApprovals {
  private readonly waiting = new Map<string, Entry>();
  private readonly settled = new RecentIds(REMEMBERED_IDS);

  /** Registers a call; `resolve`/`reject` are called at most once, by whichever settles it first. */
  add(input: ApprovalRequestInput, resolve: Entry['resolve'], reject: Entry['reject']): Waiter {
    const waiter: Waiter = { input, acked: false, sent: false, inFlight: null };
    this.waiting.set(input.requestId, { waiter, resolve, reject });
    return waiter;
  }

  isWaiting(waiter: Waiter): boolean {
    return this.waiting.get(waiter.input.requestId)?.waiter === waiter;
  }

  isWaitingFor(requestId: string): boolean {
    return this.waiting.has(requestId);
  }

  /** True for ids this process waits on or settled recently: only those decisions are ours to acknowledge. */
  knows(requestId: string): boolean {
    return this.waiting.has(requestId) || this.settled.has(requestId);
  }

  /** Calls that the hub holds as pending. */
  acked(): Waiter[] {
    return [...this.waiting.values()].map((e) => e.waiter).filter((w) => w.acked);
  }

  /** Settles the call with a decision; false when it was not waiting. */
  resolve(requestId: string, response: ApprovalResponse): boolean {
    const entry = this.take(requestId);
    entry?.resolve(response);
    return entry !== undefined;
  }

  /** Settles the call with an error; false when it was not waiting. */
  reject(requestId: string, error: unknown): boolean {
    const entry = this.take(requestId);
    entry?.reject(error);
    return entry !== undefined;
  }

  rejectAll(error: unknown): void {
    for (const requestId of [...this.waiting.keys()]) this.reject(requestId, error);
  }

  private take(requestId: string): Entry | undefined {
    const entry = this.waiting.get(requestId);
    if (!entry) return undefined;
    this.waiting.delete(requestId);
    this.settled.add(requestId);
    return entry;
  }
}
