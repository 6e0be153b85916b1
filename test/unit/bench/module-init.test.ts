/** The cold-start table's module-init line (bench/report-markdown.ts): arithmetic on medians. */
import { describe, expect, it } from 'vitest';
import type { ColdStartRow } from '../../../bench/cold-start.js';
import { moduleInit } from '../../../bench/report-markdown.js';

const row = (label: string, initMedian: number): ColdStartRow => ({
  label,
  sdkBundled: true,
  bytes: 1,
  gzipBytes: 1,
  initMs: { median: initMedian, min: initMedian, max: initMedian, rounds: 3 },
  firstInvokeMs: { median: 1, min: 1, max: 1, rounds: 3 },
  totalMs: { median: initMedian + 1, min: initMedian + 1, max: initMedian + 1, rounds: 3 },
  totalP90Ms: initMedian + 1,
  runs: 30,
  samples: { initMs: [], firstInvokeMs: [] },
});

describe('Function: moduleInit', () => {
  it("subtracts the empty handler's init from each reader's and divides the prebuilt reader's by each comparator's", () => {
    const [line] = moduleInit([
      row('empty handler', 60),
      row('reader (synthesized)', 100),
      row('reader, CDK NodejsFunction defaults', 140),
      row('reader, naive build (packages from node_modules)', 180),
    ]);
    expect(line).toBe(
      "Module init (init − the empty handler's init, medians): reader (synthesized) 40.0 ms; " +
        "reader, CDK NodejsFunction defaults 80.0 ms (the reader's is 0.50×); " +
        "reader, naive build (packages from node_modules) 120.0 ms (the reader's is 0.33×).",
    );
  });

  it('says nothing without the empty handler to subtract', () => {
    expect(
      moduleInit([row('reader (synthesized)', 100), row('reader, CDK NodejsFunction defaults', 140)]),
    ).toEqual([]);
  });
});
