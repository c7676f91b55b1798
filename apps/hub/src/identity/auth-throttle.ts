import { Bucket, type BucketRate } from '../limits/token-bucket.js';
import type { Logger } from '../runtime/logger.js';

export interface AuthThrottleLimits {
  /** Failed authentications an address (an IPv6 /64) may make at once before it is throttled. */
  authFailureBurst: number;
  /** How fast that allowance comes back. */
  authFailuresPerMinute: number;
}

/** Log lines about one address's refusals per minute; the rest are counted and reported with the next line. */
export const AUTH_LOG_LINES_PER_MINUTE = 5;
const MINUTE_MS = 60_000;
/** Addresses remembered at most; beyond this the least recently seen are forgotten (a flood of spoofed IPv6 sources). */
const MAX_TRACKED_ADDRESSES = 50_000;

/**
 * The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 prefix, since one
 * host usually holds a whole /64 and could otherwise rotate through fresh addresses.
 */
export function throttleKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

interface AddressState {
  /** Failures still allowed before the address is throttled. */
  allowance: Bucket;
  logWindowStart: number;
  logLines: number;
  suppressed: number;
}

export interface RefusalLog {
  event: string;
  code: string;
  [field: string]: unknown;
}

/**
 * Failed authentications, counted per client address (the forwarded one behind `trustedProxies`): an address
 * that fails too often has its further failures answered `rate_limited` until its allowance refills. Only failures
 * are refused: a good credential is served whatever others sent from the same address (issue #24: behind a
 * shared proxy, one guesser locked every user out). Logging about an address is itself rate-limited, so a flood of
 * wrong tokens cannot turn into a flood of log lines. The hub keeps one throttle per kind of credential (bearer
 * tokens, decision links, Slack signatures), so failures of one kind never throttle another.
 */
export class AuthThrottle {
  readonly #addresses = new Map<string, AddressState>();

  constructor(
    private readonly limits: () => AuthThrottleLimits,
    private readonly log: () => Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True while `address` has used up its allowance of failures. Does not count as a failure. */
  throttled(address: string): boolean {
    const state = this.#addresses.get(throttleKey(address));
    if (!state) return false;
    return state.allowance.refill(this.#rate(), this.now()) < 1;
  }

  /** Counts one failed authentication from `address`. */
  recordFailure(address: string): void {
    this.#state(address).allowance.drain(1, this.#rate(), this.now());
  }

  /** Logs a refusal at warn level, at most AUTH_LOG_LINES_PER_MINUTE lines per address per minute. */
  logRefusal(address: string, fields: RefusalLog, message: string): void {
    const state = this.#state(address);
    const now = this.now();
    if (now - state.logWindowStart >= MINUTE_MS) {
      state.logWindowStart = now;
      state.logLines = 0;
    }
    if (state.logLines >= AUTH_LOG_LINES_PER_MINUTE) {
      state.suppressed++;
      return;
    }
    state.logLines++;
    const suppressed = state.suppressed;
    state.suppressed = 0;
    this.log().warn({ ...fields, address, ...(suppressed > 0 ? { suppressed } : {}) }, suppressed > 0 ? `${message} (${suppressed} similar lines suppressed)` : message);
  }

  #state(address: string): AddressState {
    const key = throttleKey(address);
    let state = this.#addresses.get(key);
    if (state) {
      // Re-insert so the map stays ordered by last use, oldest first.
      this.#addresses.delete(key);
      this.#addresses.set(key, state);
      return state;
    }
    if (this.#addresses.size >= MAX_TRACKED_ADDRESSES) this.#forgetQuiet();
    const now = this.now();
    state = { allowance: new Bucket(this.#rate(), now), logWindowStart: now, logLines: 0, suppressed: 0 };
    this.#addresses.set(key, state);
    return state;
  }

  #rate(): BucketRate {
    const { authFailureBurst, authFailuresPerMinute } = this.limits();
    return { capacity: authFailureBurst, refill: authFailuresPerMinute, everyMs: MINUTE_MS };
  }

  /** Drops addresses that are back at a full allowance, then, if still too many, the least recently used. */
  #forgetQuiet(): void {
    for (const [address, state] of this.#addresses) {
      const full = state.allowance.refill(this.#rate(), this.now()) >= this.limits().authFailureBurst;
      if (full && state.suppressed === 0) this.#addresses.delete(address);
    }
    const excess = this.#addresses.size - MAX_TRACKED_ADDRESSES / 2;
    if (excess <= 0) return;
    let dropped = 0;
    for (const address of this.#addresses.keys()) {
      if (dropped++ >= excess) break;
      this.#addresses.delete(address);
    }
  }
}
