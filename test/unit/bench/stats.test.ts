/**
 * The bench's own arithmetic (bench/stats.ts): percentiles, spreads over rounds, the
 * bootstrap interval of a difference of percentiles, percentiles of zero-heavy distributions,
 * and the check of a second run against the first (bench/compare.ts).
 */
import { describe, expect, it } from 'vitest';
import { compareSpreads } from '../../../bench/compare.js';
import {
  bootstrapDifference,
  percentile,
  percentileWithZeros,
  roundSpread,
  seededRandom,
  withinSpread,
} from '../../../bench/stats.js';

describe('Function: percentile', () => {
  it('answers the nearest-rank value, one that was measured', () => {
    // Prepare
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    // Act / Assess
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 51)).toBe(60);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile(sorted, 0)).toBe(10);
    expect(percentile([7], 99.9)).toBe(7);
  });

  it('throws on no samples', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('Function: roundSpread', () => {
  it('answers the median and range of per-round values, in any order', () => {
    expect(roundSpread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, rounds: 3 });
  });

  it('tells whether a second run lies within the first one range', () => {
    const first = roundSpread([10, 12, 11]);
    expect(withinSpread(11.5, first)).toBe(true);
    expect(withinSpread(12.1, first)).toBe(false);
  });
});

describe('Function: percentileWithZeros', () => {
  it('equals the percentile of the full distribution with its zeros', () => {
    // Prepare
    const random = seededRandom(7);
    const nonZero = Array.from({ length: 50 }, () => 1 + Math.floor(random() * 500)).sort((a, b) => a - b);
    const zeros = 950;
    const full = [...Array.from({ length: zeros }, () => 0), ...nonZero];

    // Act / Assess
    for (const p of [50, 90, 95, 96, 99, 99.9, 100]) {
      expect(percentileWithZeros(zeros, nonZero, p)).toBe(percentile(full, p));
    }
  });
});

describe('Function: bootstrapDifference', () => {
  const random = seededRandom(11);
  const base = Array.from({ length: 2_000 }, () => 1_000 + random() * 200);

  it('puts a known shift inside the interval and zero outside it', () => {
    // Prepare
    const shifted = base.map((value) => value + 150);

    // Act
    const interval = bootstrapDifference(shifted, base, { resamples: 200 });

    // Assess
    expect(interval.estimate).toBeCloseTo(150, 0);
    expect(interval.low).toBeLessThanOrEqual(150);
    expect(interval.high).toBeGreaterThanOrEqual(150);
    expect(interval.low).toBeGreaterThan(0);
    expect(interval.confidence).toBe(0.95);
  });

  it('includes zero for two samples of one distribution', () => {
    const again = Array.from({ length: 2_000 }, () => 1_000 + random() * 200);
    const interval = bootstrapDifference(again, base, { resamples: 200 });
    expect(interval.low).toBeLessThan(0);
    expect(interval.high).toBeGreaterThan(0);
  });

  it('gives the same interval for the same samples and seed', () => {
    const a = bootstrapDifference(base, base.slice(100), { resamples: 200, random: seededRandom(3) });
    const b = bootstrapDifference(base, base.slice(100), { resamples: 200, random: seededRandom(3) });
    expect(a).toEqual(b);
  });

  it('throws on an empty sample', () => {
    expect(() => bootstrapDifference([], base)).toThrow(RangeError);
  });
});

describe('Function: compareSpreads', () => {
  it('pairs spreads by path and says which second medians fall outside the first range', () => {
    // Prepare
    const first = {
      readPath: { hit: { median: 10, min: 9, max: 12, rounds: 3 }, samplesNs: [{ hit: [1] }] },
      coldStart: { rows: [{ totalMs: { median: 300, min: 280, max: 320, rounds: 3 } }] },
    };
    const second = {
      readPath: { hit: { median: 11.5, min: 11, max: 13, rounds: 3 } },
      coldStart: { rows: [{ totalMs: { median: 330, min: 300, max: 350, rounds: 3 } }] },
    };

    // Act
    const checks = compareSpreads(first, second);

    // Assess
    expect(checks.map(({ path, within }) => [path, within])).toEqual([
      ['readPath.hit', true],
      ['coldStart.rows.0.totalMs', false],
    ]);
  });

  it('skips a spread the second run does not have', () => {
    expect(compareSpreads({ a: { median: 1, min: 1, max: 1, rounds: 3 } }, { b: 1 })).toEqual([]);
  });
});
