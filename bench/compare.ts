/**
 * `npx tsx bench/compare.ts FIRST.json [SECOND.json]`: the done-when check of issue #14 —
 * does a second run reproduce every median within the min–max the first run reported? Walks
 * both results files (SECOND defaults to bench/results/latest.json), pairs every spread
 * (`{median, min, max, rounds}`) by its path, and lists the medians that fall outside.
 * Exits 1 when any does, so it can gate a release run; it never runs a benchmark itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RoundSpread, withinSpread } from './stats.js';

/** One spread of the first run and the median the second run reported for it. */
export interface SpreadCheck {
  /** Where it is in the results, e.g. `coldStart.rows.1.totalMs`. */
  readonly path: string;
  readonly first: RoundSpread;
  readonly secondMedian: number;
  readonly within: boolean;
}

function isSpread(value: unknown): value is RoundSpread {
  if (typeof value !== 'object' || value === null) return false;
  const { median, min, max, rounds } = value as Record<string, unknown>;
  return [median, min, max, rounds].every((field) => typeof field === 'number');
}

/** Every spread of `first` that `second` also has, paired by path. */
export function compareSpreads(first: unknown, second: unknown, path = ''): SpreadCheck[] {
  if (isSpread(first)) {
    if (!isSpread(second)) return [];
    return [{ path, first, secondMedian: second.median, within: withinSpread(second.median, first) }];
  }
  if (typeof first !== 'object' || first === null || typeof second !== 'object' || second === null) return [];
  const checks: SpreadCheck[] = [];
  for (const [key, value] of Object.entries(first)) {
    // Raw samples hold no spreads; skipping them keeps the walk short.
    if (key === 'samples' || key === 'samplesNs') continue;
    checks.push(
      ...compareSpreads(value, (second as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
    );
  }
  return checks;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [firstFile, secondFile = join(import.meta.dirname, 'results', 'latest.json')] = process.argv.slice(2);
  if (!firstFile) {
    process.stderr.write('usage: npx tsx bench/compare.ts FIRST.json [SECOND.json]\n');
    process.exit(2);
  }
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const checks = compareSpreads(read(firstFile), read(secondFile));
  const outside = checks.filter((check) => !check.within);
  for (const check of outside) {
    process.stdout.write(
      `outside: ${check.path}: ${check.secondMedian} not in ${check.first.min}–${check.first.max} (first median ${check.first.median})\n`,
    );
  }
  process.stdout.write(
    `${checks.length - outside.length} of ${checks.length} medians within the first run's min–max\n`,
  );
  process.exit(outside.length === 0 ? 0 : 1);
}
