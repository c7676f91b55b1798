import { encodeHistogram, newLatencyHistogram, recordMillis, type Histogram } from '../stats/latency-histogram.js';
import type { HistogramName, WorkerStepResult } from './worker-protocol.js';

/** The four latencies of one step (plus how late the sender was), and its counters. */
export class StepRecorder {
  readonly histograms: Record<HistogramName, Histogram> = {
    ack: newLatencyHistogram(),
    seen: newLatencyHistogram(),
    decisionToAgent: newLatencyHistogram(),
    roundTrip: newLatencyHistogram(),
    sendLag: newLatencyHistogram(),
  };
  sent = 0;
  recorded = 0;
  acked = 0;
  /** Every request the server accepted, warm-up included (what it wrote to its database). */
  accepted = 0;
  completed = 0;
  incomplete = 0;
  readonly errors: Record<string, number> = {};
  /** Round trips by send-time window, when the step is windowed. */
  readonly windows: Histogram[] = [];
  readonly #cpuAtStart = process.cpuUsage();
  readonly #wallAtStart = performance.now();

  record(name: HistogramName, ms: number): void {
    recordMillis(this.histograms[name], ms);
  }

  recordWindow(index: number, ms: number): void {
    while (this.windows.length <= index) this.windows.push(newLatencyHistogram());
    recordMillis(this.windows[index]!, ms);
  }

  countError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  finish(): WorkerStepResult {
    const cpu = process.cpuUsage(this.#cpuAtStart);
    const histograms = {} as Record<HistogramName, string>;
    for (const [name, histogram] of Object.entries(this.histograms) as [HistogramName, Histogram][]) {
      histograms[name] = encodeHistogram(histogram);
      histogram.destroy();
    }
    const windows = this.windows.length > 0 ? this.windows.map((h) => encodeHistogram(h)) : undefined;
    for (const h of this.windows) h.destroy();
    return {
      ...(windows ? { windows } : {}),
      sent: this.sent,
      recorded: this.recorded,
      acked: this.acked,
      accepted: this.accepted,
      completed: this.completed,
      incomplete: this.incomplete,
      errors: this.errors,
      histograms,
      cpuMicros: cpu.user + cpu.system,
      wallMs: performance.now() - this.#wallAtStart,
    };
  }
}
