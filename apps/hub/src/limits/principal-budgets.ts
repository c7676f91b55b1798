import { fail, type Principal } from '@approval-hub/protocol';
import type { RejectionAuditor } from '../audit/rejection-audit.js';
import { Bucket, type BucketRate } from './token-bucket.js';

export interface PrincipalBudgetLimits {
  /** Bytes one token may write (requests, cancels, decisions: everything that lands on disk) per minute. */
  writeBytesPerMinute: number;
  /** Long-polls (`GET /api/approvals/:id/wait`) one token may hold open at once. */
  maxLongPollsPerToken: number;
}

/** What one write costs besides its body: the audit row, its hashes and the indexes around it. */
export const WRITE_OVERHEAD_BYTES = 512;
const MINUTE_MS = 60_000;
/** Tokens remembered at most; quiet ones (full allowance, nothing open) are forgotten first. */
const MAX_TRACKED = 100_000;

interface State {
  /** Bytes still allowed: refills `writeBytesPerMinute` a minute, up to one minute's worth. */
  allowance: Bucket;
  longPolls: number;
  /** When each budget's refusal was last audited, by budget name. */
  audited: Map<string, number>;
}

export type BudgetRefusal = ReturnType<typeof fail>;

/**
 * Budgets that follow who is asking, whatever the route or event (issue #24): bytes written per minute and open
 * long-polls, per token (principal), on this node. A refusal names its budget, and is audited at most once a minute
 * per token and budget, so the refusals themselves cannot fill the disk.
 */
export class PrincipalBudgets {
  readonly #states = new Map<string, State>();

  constructor(
    private readonly limits: () => PrincipalBudgetLimits,
    private readonly auditor: () => RejectionAuditor,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Charges a write of `bodyBytes` to the principal; a refusal when its budget for this minute is spent. */
  chargeWrite(principal: Principal, bodyBytes: number, channel: string): BudgetRefusal | null {
    const { writeBytesPerMinute } = this.limits();
    const state = this.#state(principal.id);
    const rate = this.#writeRate();
    const cost = bodyBytes + WRITE_OVERHEAD_BYTES;
    if (state.allowance.take(cost, rate, this.now())) return null;
    const retryAfterMs = Math.ceil(state.allowance.msUntil(cost, rate));
    const message = `This token has written its budget of ${writeBytesPerMinute} bytes per minute (limits.writeBytesPerMinute); try again in ${Math.ceil(retryAfterMs / 1000)} s`;
    this.#audit(principal, state, 'writeBytesPerMinute', channel, message);
    return fail('rate_limited', message, { budget: 'writeBytesPerMinute', limit: writeBytesPerMinute, retryAfterMs });
  }

  /** Gives back a charge whose call wrote nothing (refused as invalid, unknown, or in conflict). */
  refundWrite(principal: Principal, bodyBytes: number): void {
    const state = this.#states.get(principal.id);
    state?.allowance.giveBack(bodyBytes + WRITE_OVERHEAD_BYTES, this.#writeRate());
  }

  /** Opens a long-poll for the principal: `release` to call when it ends, or a refusal at the cap. */
  openLongPoll(principal: Principal, channel: string): { release: () => void } | BudgetRefusal {
    const { maxLongPollsPerToken } = this.limits();
    const state = this.#state(principal.id);
    if (state.longPolls >= maxLongPollsPerToken) {
      const message = `This token already holds ${maxLongPollsPerToken} open long-polls, the most the hub allows (limits.maxLongPollsPerToken)`;
      this.#audit(principal, state, 'maxLongPollsPerToken', channel, message);
      return fail('rate_limited', message, { budget: 'maxLongPollsPerToken', limit: maxLongPollsPerToken });
    }
    state.longPolls++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        state.longPolls--;
      },
    };
  }

  #audit(principal: Principal, state: State, budget: string, channel: string, message: string): void {
    const now = this.now();
    const last = state.audited.get(budget);
    if (last !== undefined && now - last < MINUTE_MS) return;
    state.audited.set(budget, now);
    this.auditor().refused(principal, channel, 'rate_limited', message);
  }

  #state(id: string): State {
    let state = this.#states.get(id);
    if (state) return state;
    if (this.#states.size >= MAX_TRACKED) this.#forgetQuiet();
    state = { allowance: new Bucket(this.#writeRate(), this.now()), longPolls: 0, audited: new Map() };
    this.#states.set(id, state);
    return state;
  }

  #writeRate(): BucketRate {
    const { writeBytesPerMinute } = this.limits();
    return { capacity: writeBytesPerMinute, refill: writeBytesPerMinute, everyMs: MINUTE_MS };
  }

  #forgetQuiet(): void {
    const now = this.now();
    for (const [id, state] of this.#states) if (state.longPolls === 0 && now - state.allowance.lastRefill > MINUTE_MS) this.#states.delete(id);
  }
}
