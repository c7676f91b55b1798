import type { StepMeasurement } from './measured-step.js';

/** When a step counts as disturbed by foreign load on this shared machine, and how much re-measuring a run may do. */
export interface NoisePolicy {
  /** CPU used by processes other than the server and the load workers, in percent of one core. */
  otherLoadLimitPercent: number;
  /** Attempts per step, the first included. */
  maxAttempts: number;
  /** Wall time all repeats of one run may take together, so a busy machine cannot stretch a run without end. */
  retryBudgetMs: number;
}

const otherLoad = (step: StepMeasurement) => step.machine?.otherPercent ?? 0;

/**
 * Measures a step again while it ran under foreign load (within the policy's attempts and the run's budget)
 * and keeps the quietest attempt.
 */
export class QuietMeasurer {
  readonly #policy: NoisePolicy;
  #spentMs = 0;
  retries = 0;

  constructor(policy: NoisePolicy) {
    this.#policy = policy;
  }

  /**
   * `retryIf` narrows which disturbed steps are worth repeating (for the ladder: only failures, since a pass
   * under foreign load is still a pass).
   */
  async measure(
    measure: () => Promise<StepMeasurement>,
    onRetry: (step: StepMeasurement) => void = () => undefined,
    retryIf: (step: StepMeasurement) => boolean = () => true,
  ): Promise<StepMeasurement> {
    let best: StepMeasurement | null = null;
    let attempts = 0;
    for (;;) {
      const started = performance.now();
      const step = await measure();
      attempts++;
      if (attempts > 1) this.#spentMs += performance.now() - started;
      if (!best || otherLoad(step) < otherLoad(best)) best = step;
      const disturbed = otherLoad(step) > this.#policy.otherLoadLimitPercent;
      if (!disturbed || !retryIf(step)) {
        best = step;
        break;
      }
      if (attempts >= this.#policy.maxAttempts || this.#spentMs >= this.#policy.retryBudgetMs) break;
      this.retries++;
      onRetry(step);
    }
    best.attempts = attempts;
    best.noisy = otherLoad(best) > this.#policy.otherLoadLimitPercent;
    return best;
  }
}
