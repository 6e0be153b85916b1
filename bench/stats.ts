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
 * Rounds every timing is taken in (cold starts and read path alike): many short rounds rather
 * than a few long ones, so the min–max of the round values holds a second run's median, which
 * issue #14's reproduction check (bench/compare.ts) asks of 24 medians at once. When nothing
 * changed, a fresh median falls within the min–max of 3 rounds about 60% of the time, of 9 97%,
 * of 15 99.8%.
 */
export const BENCH_ROUNDS = 15;

/** A value measured in several rounds: the median of the rounds and their range. */
export interface RoundSpread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Rounds the spread is taken over. */
  readonly rounds: number;
}

/** Median, min and max of one value measured once per round. */
export function roundSpread(perRound: readonly number[]): RoundSpread {
  if (perRound.length === 0) throw new RangeError('spread of no rounds');
  return {
    median: median(perRound),
    min: Math.min(...perRound),
    max: Math.max(...perRound),
    rounds: perRound.length,
  };
}

/** Whether `value` lies within `spread`'s min–max: how a second run is checked against a first. */
export function withinSpread(value: number, spread: Pick<RoundSpread, 'min' | 'max'>): boolean {
  return value >= spread.min && value <= spread.max;
}

/** A point estimate with a confidence interval. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  /** e.g. 0.95. */
  readonly confidence: number;
}

/** Options of {@link bootstrapDifference}. */
export interface BootstrapOptions {
  /** Resamples drawn. @default 1000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly confidence?: number;
  /** Percentile compared (nearest rank). @default 50 */
  readonly percentile?: number;
  /** Seeded, so the interval is the same for the same samples. @default seededRandom(1) */
  readonly random?: () => number;
}

/**
 * Percentile bootstrap of `percentile(a) - percentile(b)` for two independent samples: each
 * resample draws `a.length` values from `a` and `b.length` from `b` with replacement. The
 * interval says how much of a difference of two percentiles is the samples' own noise,
 * which a plain difference of two p50s hides.
 */
export function bootstrapDifference(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): Interval {
  if (a.length === 0 || b.length === 0) throw new RangeError('bootstrap of no samples');
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  const p = options.percentile ?? 50;
  const random = options.random ?? seededRandom(1);
  const statistic = (values: readonly number[]) =>
    percentile(
      [...values].sort((x, y) => x - y),
      p,
    );
  // Resamples live in typed arrays: sorted natively, and read by rank without a copy.
  const resampled = (values: readonly number[], into: Float64Array): number => {
    for (let index = 0; index < into.length; index++) {
      into[index] = values[Math.floor(random() * values.length)] as number;
    }
    into.sort();
    const rank = Math.min(into.length, Math.max(1, Math.ceil((p / 100) * into.length)));
    return into[rank - 1] as number;
  };
  const bufferA = new Float64Array(a.length);
  const bufferB = new Float64Array(b.length);
  const differences: number[] = [];
  for (let index = 0; index < resamples; index++) {
    differences.push(resampled(a, bufferA) - resampled(b, bufferB));
  }
  differences.sort((x, y) => x - y);
  const tail = ((1 - confidence) / 2) * 100;
  return {
    estimate: statistic(a) - statistic(b),
    low: percentile(differences, tail),
    high: percentile(differences, 100 - tail),
    confidence,
  };
}

/**
 * Percentiles of a distribution given as a count of zeros plus the non-zero values: most
 * API calls add no latency at all (a cached token), and keeping millions of zeros in an
 * array would only cost memory.
 */
export function percentileWithZeros(zeros: number, sortedNonZero: readonly number[], p: number): number {
  const total = zeros + sortedNonZero.length;
  if (total === 0) throw new RangeError('percentile of no samples');
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  return rank <= zeros ? 0 : (sortedNonZero[rank - zeros - 1] as number);
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
