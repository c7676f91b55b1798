import type { StepMeasurement, StepSettings } from './measured-step.js';

export interface LadderSettings {
  /** Rates to climb, ascending; the climb stops at the first rate that is not sustainable. */
  rates: number[];
  /** After the climb, this many bisections between the last good and the first bad rate. */
  refineRounds: number;
  /** Bisection stops when the gap is under this fraction of the good rate. */
  resolution: number;
  step: Omit<StepSettings, 'ratePerSecond'>;
}

export interface LadderResult {
  steps: StepMeasurement[];
  /** Highest rate whose round-trip p99 stayed under the bar; null if even the lowest did not. */
  sustainablePerSecond: number | null;
  /** Lowest rate that failed; null if every rate passed (the ceiling is above the ladder). */
  firstFailingPerSecond: number | null;
}

const roundRate = (rate: number) => Math.round(rate / 50) * 50;

/**
 * Stepped search for the sustainable rate, as a state machine so several servers can be stepped in turn:
 * climb until a rate fails, then bisect; if the first rate fails, halve until one passes.
 */
export class LadderSearch {
  readonly #settings: LadderSettings;
  readonly #climb: number[];
  #good: number | null = null;
  #bad: number | null = null;
  #refined = 0;
  #descending = false;
  readonly steps: StepMeasurement[] = [];

  constructor(settings: LadderSettings) {
    this.#settings = settings;
    this.#climb = [...settings.rates].sort((a, b) => a - b);
  }

  /** The next rate to measure, or null when the search is over. */
  nextRate(): number | null {
    if (this.#descending) {
      if (this.#good !== null) return this.#bisect();
      const next = roundRate(this.#bad! / 2);
      return next >= 50 && next < this.#bad! ? next : null;
    }
    if (this.#bad === null) return this.#climb[this.steps.length === 0 ? 0 : this.#climb.findIndex((r) => r > (this.#good ?? 0))] ?? null;
    return this.#bisect();
  }

  #bisect(): number | null {
    if (this.#good === null || this.#bad === null || this.#refined >= this.#settings.refineRounds) return null;
    const middle = roundRate((this.#good + this.#bad) / 2);
    if (this.#bad - this.#good <= this.#good * this.#settings.resolution || middle <= this.#good || middle >= this.#bad) return null;
    return middle;
  }

  report(rate: number, step: StepMeasurement): void {
    this.steps.push(step);
    const sustainable = step.sustainable;
    const refining = this.#good !== null && this.#bad !== null;
    if (refining) this.#refined++;
    if (sustainable) this.#good = Math.max(this.#good ?? 0, rate);
    else {
      if (this.#good === null && !refining) this.#descending = true;
      this.#bad = Math.min(this.#bad ?? Number.POSITIVE_INFINITY, rate);
    }
  }

  get result(): LadderResult {
    return { steps: this.steps, sustainablePerSecond: this.#good, firstFailingPerSecond: this.#bad };
  }
}
