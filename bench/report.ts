/**
 * Turns the measurements into the report: Markdown tables (printed, and written to
 * bench/results/latest.md) and the raw numbers (bench/results/latest.json). Files are
 * written to a `.tmp` sibling first and renamed, so an interrupted run never leaves half a report.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './assembly.js';
import type { ColdStartRow } from './cold-start.js';
import type { ReadPathResult } from './read-path-worker.js';
import { SCENARIO_FLEET_CONTAINERS, SCENARIOS, type ScenarioRow } from './sim/scenarios.js';
import { type LOAD_MODEL, type LoadRow, STRATEGIES } from './sim/token-load.js';
import { formatCount, formatKiB, formatNs, formatRatio, type LatencySummary } from './stats.js';

/** Everything one run measured. */
export interface BenchResults {
  readonly date: string;
  readonly machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    /** 1-minute load average when the run started: above the core count, other work was competing. */
    loadAverageAtStart: number;
  };
  readonly totalSeconds: number;
  readonly synthSeconds: number;
  readonly readPath: ReadPathResult;
  readonly coldStart: readonly ColdStartRow[];
  readonly tokenLoad: {
    readonly model: typeof LOAD_MODEL;
    readonly rows: readonly LoadRow[];
    /** What one caller or a rejected secret adds (bench/sim/scenarios.ts). */
    readonly scenarios: readonly ScenarioRow[];
  };
}

/** The machine the numbers belong to. */
export function describeMachine(): BenchResults['machine'] {
  const all = cpus();
  return {
    cpu: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

/** The comparisons the README quotes, computed from one run. */
export function ratios(results: BenchResults) {
  const { hit, miss, getItemFloor } = results.readPath;
  const cold = (label: string) => coldStartRow(results, label);
  const [floor, reader, refresher] = [
    cold('empty handler (floor)'),
    cold('reader (synthesized)'),
    cold('refresher (synthesized)'),
  ];
  const [naiveReader, naiveRefresher] = [cold('reader, naive build'), cold('refresher, naive build')];
  const tokens = (strategy: LoadRow['strategy']) =>
    results.tokenLoad.rows.find((row) => row.containers === 1000 && row.strategy === strategy)
      ?.tokenRequests ?? Number.NaN;
  return {
    readerHitFasterThanGetItemP50: getItemFloor.p50Ns / hit.p50Ns,
    readerMissOverGetItemP50Us: (miss.p50Ns - getItemFloor.p50Ns) / 1000,
    readerInitOverFloorMs: reader.initMs.median - floor.initMs.median,
    readerInitVsFloor: reader.initMs.median / floor.initMs.median,
    readerReadyVsFloor: reader.readyMs.median / floor.readyMs.median,
    naiveReaderInitVsReader: naiveReader.initMs.median / reader.initMs.median,
    refresherInitOverFloorMs: refresher.initMs.median - floor.initMs.median,
    naiveRefresherInitVsRefresher: naiveRefresher.initMs.median / refresher.initMs.median,
    tokenRequestsPerProcessVsBrokerAt1000: tokens('perProcess') / tokens('broker'),
  };
}

function coldStartRow(results: BenchResults, label: string): ColdStartRow {
  const row = results.coldStart.find((candidate) => candidate.label === label);
  if (!row) throw new Error(`no cold-start row '${label}'`);
  return row;
}

/**
 * Where the AWS SDK comes from, and what the measured alternative would change. Worded from
 * the numbers, not assumed.
 */
function sdkParagraph(bundled: ColdStartRow, external: ColdStartRow, naive: ColdStartRow): string {
  const change = external.initMs.median - bundled.initMs.median;
  const sizeRatio = formatRatio(bundled.gzipBytes / external.gzipBytes);
  return (
    'The deployed assets carry the AWS SDK v3 inside (dist/lambda-assets, built by tools/build-lambda-assets.ts at ' +
    'the version in package-lock.json): the deployed code is the tested code, whatever SDK the runtime ships that month. ' +
    `Against the same reader with \`@aws-sdk/*\` left to the runtime (row "SDK left to the runtime", loaded from ` +
    `node_modules here), it is ${sizeRatio} larger gzipped and its module init is ` +
    `${Math.abs(change).toFixed(0)} ms ${change > 0 ? 'shorter' : 'longer'} (median); against the naive build, ` +
    `its init is ${formatRatio(bundled.initMs.median / naive.initMs.median)} as long. Naive builds load Powertools, ` +
    'middy and the SDK file by file from node_modules; their size counts only the bundle file.'
  );
}

/** The Markdown report. */
export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const r = ratios(results);
  const cold = (label: string) => coldStartRow(results, label);
  const { readPath } = results;
  const latencyRow = (name: string, summary: LatencySummary) =>
    `| ${name} | ${formatCount(summary.count)} | ${formatNs(summary.p50Ns)} | ${formatNs(summary.p99Ns)} | ${formatCount(summary.opsPerSecond)} |`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const model = results.tokenLoad.model;
  return [
    '# Benchmarks (`npm run bench`)',
    '',
    `${results.date} · ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · ${machine.platform} · ` +
      `load average ${machine.loadAverageAtStart} at start · ` +
      `whole run ${results.totalSeconds.toFixed(0)} s (synth ${results.synthSeconds.toFixed(0)} s)`,
    '',
    '## Read path (in-process, synthesized reader bundle, DynamoDB Local on 127.0.0.1)',
    '',
    '| Path | Ops | p50 | p99 | ops/s (1 caller) |',
    '|---|---:|---:|---:|---:|',
    latencyRow('reader, in-memory cache hit', readPath.hit),
    latencyRow('reader, cache miss (GetItem each time)', readPath.miss),
    latencyRow('bare SDK GetItem (floor)', readPath.getItemFloor),
    `| TokenBrokerClient.getToken(), warm | ${formatCount(readPath.getTokenOps)} | ${readPath.getTokenNsPerOp.toFixed(0)} ns/op | | ${formatCount(1e9 / readPath.getTokenNsPerOp)} |`,
    '',
    `A reader cache hit is ${formatRatio(r.readerHitFasterThanGetItemP50)} faster than a bare GetItem (p50); ` +
      `a miss costs the GetItem plus ${r.readerMissOverGetItemP50Us.toFixed(0)} µs.`,
    '',
    '## Cold start (fresh `node` process per run, median / p90 of ' +
      `${results.coldStart[0]?.runs ?? 0} runs)`,
    '',
    '| Bundle | AWS SDK | Size | gzip | Module init | Process start → handler ready | Process wall |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...results.coldStart.map(
      (row) =>
        `| ${row.label} | ${row.sdkBundled ? 'bundled' : 'runtime'} | ${formatKiB(row.bytes)} | ${formatKiB(row.gzipBytes)} | ` +
        `${ms(row.initMs.median)} / ${ms(row.initMs.p90)} | ${ms(row.readyMs.median)} / ${ms(row.readyMs.p90)} | ` +
        `${ms(row.wallMs.median)} / ${ms(row.wallMs.p90)} |`,
    ),
    '',
    `Reader init: ${ms(r.readerInitOverFloorMs)} over the empty floor (${formatRatio(r.readerInitVsFloor)} its init, ` +
      `${formatRatio(r.readerReadyVsFloor)} its start-to-ready); the naive build takes ${formatRatio(r.naiveReaderInitVsReader)} as long. ` +
      `Refresher: ${ms(r.refresherInitOverFloorMs)} over the floor; naive ${formatRatio(r.naiveRefresherInitVsRefresher)}.`,
    '',
    sdkParagraph(
      cold('reader (synthesized)'),
      cold('reader, SDK left to the runtime'),
      cold('reader, naive build'),
    ),
    '',
    `## Token-endpoint load (simulated ${model.fleet.durationMs / 3_600_000} h, seed ${model.seed})`,
    '',
    `Each container calls the A55 API every ${model.fleet.callIntervalMs / 1000} s and is recycled every ` +
      `${model.fleet.lifetimeMeanMs / 3_600_000} h ± ${model.fleet.lifetimeJitterMs / 60_000} min; tokens live ` +
      `${model.rules.tokenLifetimeSeconds} s, refreshed ${model.rules.refreshMarginSeconds} s before expiry; ` +
      `token endpoint latency ${model.rules.tokenLatencyMinMs}–${model.rules.tokenLatencyMaxMs} ms; refresher every ` +
      `${model.rules.refreshIntervalMs / 60_000} min. (c) runs the real refresh use case, Reader and TokenBrokerClient on the fake clock.`,
    '',
    '| Containers | Strategy | Token requests/day | Peak token req/s | Reader invocations/day | DynamoDB reads/day | Expired-token calls | Failed calls |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
    ...results.tokenLoad.rows.map(
      (row) =>
        `| ${formatCount(row.containers)} | ${STRATEGIES[row.strategy]} | ${formatCount(row.tokenRequests)} | ` +
        `${row.peakTokenRequestsPerSecond} | ${row.strategy === 'broker' ? formatCount(row.brokerInvocations) : '–'} | ` +
        `${formatCount(row.dynamoReads)} | ${formatCount(row.expiredTokenCalls)} | ${formatCount(row.failedCalls)} |`,
    ),
    '',
    `At 1,000 containers, per-process caching makes ${formatRatio(r.tokenRequestsPerProcessVsBrokerAt1000)} the broker's token requests.`,
    '',
    `### What one caller or a rejected secret can add (${SCENARIO_FLEET_CONTAINERS} containers, self-healing on)`,
    '',
    '| Scenario | Token requests/day | of them refused | Refresher runs | Refreshes asked by the reader | Extra caller served / reads | DynamoDB reads/day | Failed calls |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.tokenLoad.scenarios.map(
      (row) =>
        `| ${SCENARIOS[row.scenario].label} | ${formatCount(row.tokenRequests)} | ${formatCount(row.rejectedTokenRequests)} | ` +
        `${formatCount(row.refresherRuns)} | ${formatCount(row.refreshRequests)} | ` +
        `${row.extraCallerReads === 0 ? '–' : `${formatCount(row.extraCallerServed)} / ${formatCount(row.extraCallerReads)}`} | ` +
        `${formatCount(row.dynamoReads)} | ${formatCount(row.failedCalls)} |`,
    ),
    '',
  ].join('\n');
}

/** Writes latest.md and latest.json under bench/results/; returns their paths. */
export function writeResults(results: BenchResults, markdown: string): string[] {
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['latest.md', markdown],
    ['latest.json', `${JSON.stringify({ ...results, ratios: ratios(results) }, null, 2)}\n`],
  ];
  return files.map(([name, content]) => {
    const file = join(dir, name);
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
    return file;
  });
}
