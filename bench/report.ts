/**
 * The results of one run, the machine they belong to, and writing them: Markdown
 * (./report-markdown.ts, printed and written to bench/results/latest.md) and the raw numbers
 * and samples (bench/results/latest.json). Files are written to a `.tmp` sibling first and
 * renamed, so an interrupted run never leaves half a report.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './assembly.js';
import type { ColdStartResult } from './cold-start.js';
import type { BreakEven, FixedResources, MonthlyCost } from './cost.js';
import type { ReadPathResult } from './read-path.js';
import type { OutageRow } from './sim/outage.js';
import type { ScenarioRow } from './sim/scenarios.js';
import type { TokenLoadResults } from './sim/token-load.js';

/** A run is quotable only when the machine was this quiet before it (1-minute load average, whole machine). */
export const QUOTABLE_MAX_LOAD = 1;

/**
 * ... and when other work took at most this many cores, on average, while the bench was timing
 * (./other-work.ts). A quarter of one core: what an idle desktop or CI runner uses.
 */
export const QUOTABLE_MAX_OTHER_CORES = 0.25;

/** The timed phases, whose other work the gate counts. */
export type TimedPhase = 'coldStart' | 'readPath';

/** The machine the numbers belong to. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** 1-, 5- and 15-minute load averages. */
  readonly loadAtStart: readonly number[];
  loadAtEnd?: readonly number[];
  /**
   * Cores other work used on average during each timed phase (./other-work.ts); a phase is
   * missing where it could not be counted (no /proc).
   */
  otherWorkCores?: Partial<Record<TimedPhase, number>>;
}

/** Everything one run measured. */
export interface BenchResults {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly totalSeconds: number;
  readonly synthSeconds: number;
  readonly readPath: ReadPathResult;
  readonly coldStart: ColdStartResult;
  readonly tokenLoad: TokenLoadResults;
  readonly scenarios: readonly ScenarioRow[];
  readonly outages: readonly OutageRow[];
  readonly cost: {
    readonly fixed: FixedResources;
    readonly monthly: readonly MonthlyCost[];
    readonly breakEven: readonly BreakEven[];
    readonly logBytesPerInvocation: number;
  };
}

/** The load averages now, two decimals. */
export function loadAverages(): number[] {
  return loadavg().map((value) => Number(value.toFixed(2)));
}

/** The machine, with the load average before any work. */
export function describeMachine(): MachineInfo {
  const all = cpus();
  return {
    cpu: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: loadAverages(),
  };
}

/** Whether a run may be quoted, and what decided it. */
export interface Quotable {
  readonly ok: boolean;
  /** The load average the gate read: the 1-minute one at start, or (not counted) the worst one. */
  readonly worstLoad: number;
  /** The most cores other work used in a timed phase, when counted. */
  readonly worstOtherCores?: number;
}

/**
 * Whether the run may be quoted. Not a quick run, and the machine quiet: the 1-minute load
 * at start at most {@link QUOTABLE_MAX_LOAD} and, in every timed phase, other work at most
 * {@link QUOTABLE_MAX_OTHER_CORES} cores. The load at the end is reported but not gated: it
 * includes the bench's own processes. Where other work could not be counted, the older rule
 * applies: the 1-minute load at start and end and the 5-minute load at the end at most
 * {@link QUOTABLE_MAX_LOAD}.
 */
export function quotable(results: Pick<BenchResults, 'machine' | 'quick'>): Quotable {
  const { loadAtStart, loadAtEnd = [], otherWorkCores = {} } = results.machine;
  const counted = (['coldStart', 'readPath'] as const).map((phase) => otherWorkCores[phase]);
  if (counted.every((cores) => cores !== undefined)) {
    const worstLoad = loadAtStart[0] ?? 0;
    const worstOtherCores = Math.max(...(counted as number[]));
    return {
      ok: !results.quick && worstLoad <= QUOTABLE_MAX_LOAD && worstOtherCores <= QUOTABLE_MAX_OTHER_CORES,
      worstLoad,
      worstOtherCores,
    };
  }
  const worstLoad = Math.max(loadAtStart[0] ?? 0, loadAtEnd[0] ?? 0, loadAtEnd[1] ?? 0);
  return { ok: !results.quick && worstLoad <= QUOTABLE_MAX_LOAD, worstLoad };
}

/** Writes latest.md and latest.json under bench/results/; returns their paths. */
export function writeResults(results: BenchResults, markdown: string): string[] {
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['latest.md', markdown],
    ['latest.json', `${JSON.stringify({ ...results, quotable: quotable(results) })}\n`],
  ];
  return files.map(([name, content]) => {
    const file = join(dir, name);
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
    return file;
  });
}
