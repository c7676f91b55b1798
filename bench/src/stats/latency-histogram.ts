import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Latencies are kept in microseconds, up to two minutes, to three significant digits. */
const HIGHEST_TRACKABLE_MICROS = 120_000_000;

export type { Histogram };

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

/** Records a latency given in milliseconds; values past the range are clamped, never dropped. */
export function recordMillis(histogram: Histogram, ms: number): void {
  const micros = Math.round(ms * 1000);
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, micros)));
}

/** Percentiles in milliseconds, as the reports show them. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const toMs = (micros: number) => Math.round(micros) / 1000;

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: histogram.totalCount,
    p50: toMs(histogram.getValueAtPercentile(50)),
    p90: toMs(histogram.getValueAtPercentile(90)),
    p99: toMs(histogram.getValueAtPercentile(99)),
    p999: toMs(histogram.getValueAtPercentile(99.9)),
    max: toMs(histogram.maxValue),
  };
}

/** Histograms cross process boundaries in HdrHistogram's compressed base64 form, so merging loses nothing. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newLatencyHistogram();
  for (const text of encoded) merged.add(decodeFromCompressedBase64(text));
  return merged;
}
