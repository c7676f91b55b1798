/** First purge this soon after start, so a hub that restarts often still purges. */
const FIRST_RUN_MS = 10_000;

/**
 * Runs retention now and then: shortly after start, then every `intervalMs` (read from the live config, so a reload
 * applies). One run at a time; a run that fails is logged and tried again at the next tick.
 */
export class RetentionTimer {
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(
    private readonly options: {
      intervalMs: () => number | null;
      run: () => Promise<unknown>;
      onError: (error: unknown) => void;
    },
  ) {}

  start(): void {
    this.#schedule(FIRST_RUN_MS);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(ms: number): void {
    this.stop();
    this.#timer = setTimeout(() => this.#tick().catch((error: unknown) => this.options.onError(error)), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const interval = this.options.intervalMs();
    if (interval !== null && !this.#running) {
      this.#running = true;
      try {
        await this.options.run();
      } catch (error) {
        this.options.onError(error);
      } finally {
        this.#running = false;
      }
    }
    // Retention may be switched on by a reload: keep ticking at the default pace meanwhile.
    this.#schedule(interval ?? 3_600_000);
  }
}
