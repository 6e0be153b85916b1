/**
 * Small numeric helpers shared by the benchmarks: percentiles, a seeded PRNG, and
 * number formatting for the report. No dependencies, so every part of the bench can use them.
 */

/** Summary of a set of latency samples, in nanoseconds. */
export interface LatencySummary {
  /** Measured operations (warm-up excluded). */
  readonly count: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly meanNs: number;
  /** Operations per second of one sequential caller: count / summed latency. */
  readonly opsPerSecond: number;
}

/**
 * Nearest-rank percentile of `sorted` (ascending). Nearest-rank, not interpolated, so
 * every reported value is one that was actually measured.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median of `values` (any order). */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Summarises latencies given in nanoseconds. */
export function summarize(samplesNs: readonly number[]): LatencySummary {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50Ns: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
    meanNs: total / sorted.length,
    opsPerSecond: sorted.length / (total / 1e9),
  };
}

/**
 * mulberry32: a tiny, fast, seeded PRNG. The load simulation must give the same numbers
 * on every run and machine, which `Math.random` cannot.
 * @returns a function answering uniform numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [min, max) from `random`. */
export function uniform(random: () => number, min: number, max: number): number {
  return min + random() * (max - min);
}

/** A duration in ns, shown in the unit that keeps it readable (ns, µs, ms). */
export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/** An integer with thousands separators, e.g. `1,440,000`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes as KiB with one decimal. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A ratio such as `12.3×`, with more precision below 10. */
export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}
