/**
 * The README's Performance section quotes the committed report and nothing else (issue #14:
 * "the README has no figure that the report does not contain"): every number in that section
 * must appear in bench/results/latest.md. A bench run that changes a figure without the README
 * following, or a README figure typed by hand, fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../bench/assembly.js';

/**
 * A figure: a date, or a number with its `$` and its unit when it has one. A figure with a
 * unit or a `$` must be in the report with the same unit ("58.7 ms", not any 58.7), so a stale
 * timing is not excused by the same digits elsewhere; a bare count need only be there as a number.
 */
const FIGURE = /\d{4}-\d{2}-\d{2}|(\$?)(\d[\d,]*(?:\.\d+)?)(?:\s?(ms|µs|s|KiB|%|×))?(?![\w])/g;

/** Each figure as a comparable key, and whether it carries a unit or a `$`. */
function figures(text: string): Array<{ text: string; key: string; unit: boolean }> {
  return [...text.matchAll(FIGURE)].map((match) => {
    const [whole, dollar = '', number, unit] = match;
    if (number === undefined) return { text: whole, key: whole, unit: true };
    // 1,000 and 1000 are the same figure.
    const digits = number.replaceAll(',', '');
    return {
      text: whole,
      key: `${dollar}${digits}${unit ? ` ${unit}` : ''}`,
      unit: dollar !== '' || unit !== undefined,
    };
  });
}

function performanceSection(readme: string): string {
  const start = readme.indexOf('\n## Performance');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no "## Performance" section followed by another');
  return readme.slice(start, end);
}

describe("the README's performance figures", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const report = readFileSync(join(PROJECT_ROOT, 'bench', 'results', 'latest.md'), 'utf8');
  const reported = figures(report);
  const withUnit = new Set(reported.map((figure) => figure.key));
  const numbers = new Set(reported.map((figure) => figure.key.replace(/^\$/, '').split(' ')[0]));
  const quoted = figures(performanceSection(readme));

  it('quotes figures', () => {
    expect(quoted.length).toBeGreaterThan(20);
  });

  it('are all in the committed report, with their units', () => {
    const missing = quoted.filter((figure) =>
      figure.unit ? !withUnit.has(figure.key) && !report.includes(figure.key) : !numbers.has(figure.key),
    );
    expect(missing.map((figure) => figure.text)).toEqual([]);
  });

  it('reads a timing with its unit, so the same digits elsewhere do not excuse a stale one', () => {
    expect(figures('took 58.7 ms, 1,000 containers, $13, 2026-12-01').map((figure) => figure.key)).toEqual([
      '58.7 ms',
      '1000',
      '$13',
      '2026-12-01',
    ]);
  });
});
