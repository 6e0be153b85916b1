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

const NUMBER = /\d[\d,]*(?:\.\d+)?/g;
/** 1,000 and 1000 are the same figure. */
const normalize = (figure: string) => figure.replaceAll(',', '');

function performanceSection(readme: string): string {
  const start = readme.indexOf('\n## Performance');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no "## Performance" section followed by another');
  return readme.slice(start, end);
}

describe("the README's performance figures", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const report = readFileSync(join(PROJECT_ROOT, 'bench', 'results', 'latest.md'), 'utf8');
  const reported = new Set((report.match(NUMBER) ?? []).map(normalize));

  it('quotes figures', () => {
    expect((performanceSection(readme).match(NUMBER) ?? []).length).toBeGreaterThan(20);
  });

  it('are all in the committed report', () => {
    const quoted = performanceSection(readme).match(NUMBER) ?? [];
    expect(quoted.filter((figure) => !reported.has(normalize(figure)))).toEqual([]);
  });
});
