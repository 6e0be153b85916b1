/**
 * The Markdown report of one run: every table the README may quote, each with the model or
 * machine it depends on. Timings carry their spread (median and min–max of rounds);
 * simulated counts are deterministic for the stated seed.
 */

import type { ColdStartRow } from './cold-start.js';
import { COST_ASSUMPTIONS, PRICES } from './cost.js';
import type { ReadOperation } from './read-path-operations.js';
import {
  type BenchResults,
  QUOTABLE_MAX_LOAD,
  QUOTABLE_MAX_OTHER_CORES,
  type Quotable,
  quotable,
} from './report.js';
import { LATENCY_MODEL, READER_IDLE_TIMEOUT_MS, READER_IDLE_TIMEOUT_SOURCE } from './sim/latency-model.js';
import { OUTAGE_MODEL } from './sim/outage.js';
import type { AddedLatency } from './sim/recorder.js';
import { SCENARIO_FLEET_CONTAINERS, SCENARIOS } from './sim/scenarios.js';
import { LOAD_MODEL, type LoadRow, STRATEGIES } from './sim/token-load.js';
import { formatCount, formatKiB, formatNs, type Interval, type RoundSpread } from './stats.js';

const READ_LABELS: Record<ReadOperation, string> = {
  hit: 'reader bundle, in-memory cache hit',
  miss: 'reader bundle, cache off (one GetItem each)',
  getItem: 'bare SDK GetItem, same item and client settings',
  coreMemory: 'Reader core, cache off, in-process store',
  memoryGet: 'in-process store get alone',
};

const spread = (value: RoundSpread, format: (n: number) => string) =>
  `${format(value.median)} (${format(value.min)}–${format(value.max)})`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const usd = (value: number) => `$${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;
const interval = (value: Interval) =>
  `${formatNs(value.estimate)} (95% CI ${formatNs(value.low)} to ${formatNs(value.high)})`;
const minutes = (valueMs: number) =>
  valueMs >= 3_600_000 ? `${valueMs / 3_600_000} h` : `${valueMs / 60_000} min`;
const latency = (value: AddedLatency) =>
  `${ms(value.p50Ms)} | ${ms(value.p99Ms)} | ${ms(value.p999Ms)} | ${ms(value.maxMs)} | ${(value.waitingShare * 100).toFixed(2)}%`;

/** The Markdown report. */
export function renderMarkdown(results: BenchResults): string {
  return [
    ...header(results),
    ...readPath(results),
    ...coldStart(results),
    ...simulation(results),
    ...cost(results),
  ].join('\n');
}

function header(results: BenchResults): string[] {
  const { machine } = results;
  const status = quotable(results);
  const loads = (values: readonly number[] = []) => values.join(' / ');
  return [
    '# Benchmarks (`npm run bench`)',
    '',
    `${results.date} · ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · ${machine.platform} · ` +
      `whole run ${results.totalSeconds.toFixed(0)} s (synth ${results.synthSeconds.toFixed(0)} s)` +
      (results.quick ? ' · **quick mode** (smaller samples)' : ''),
    '',
    `Load average (1 / 5 / 15 min): ${loads(machine.loadAtStart)} at start, ${loads(machine.loadAtEnd)} at end ` +
      "(the end includes the bench's own processes).",
    ...otherWorkLine(machine.otherWorkCores),
    '',
    status.ok
      ? `**Quotable**: ${quietReason(status)}.`
      : `**NOT QUOTABLE**: ${notQuietReason(results, status)}.`,
    '',
  ];
}

function otherWorkLine(cores: BenchResults['machine']['otherWorkCores']): string[] {
  if (cores?.coldStart === undefined || cores.readPath === undefined) return [];
  return [
    '',
    `Other work while timing (CPU of every process but the bench's, from /proc): ${cores.coldStart} cores ` +
      `during the cold starts, ${cores.readPath} during the read path.`,
  ];
}

function quietReason(status: Quotable): string {
  return status.worstOtherCores === undefined
    ? `the load stayed at or below ${QUOTABLE_MAX_LOAD}`
    : `the load was ${status.worstLoad} at start (at most ${QUOTABLE_MAX_LOAD}) and other work took at most ` +
        `${status.worstOtherCores} cores while timing (at most ${QUOTABLE_MAX_OTHER_CORES})`;
}

function notQuietReason(results: BenchResults, status: Quotable): string {
  const reasons: string[] = [];
  if (results.quick) reasons.push('quick mode');
  if (status.worstLoad > QUOTABLE_MAX_LOAD)
    reasons.push(
      status.worstOtherCores === undefined
        ? `load reached ${status.worstLoad} (above ${QUOTABLE_MAX_LOAD})`
        : `the load was ${status.worstLoad} at start (above ${QUOTABLE_MAX_LOAD}; wait a minute after other work)`,
    );
  if (status.worstOtherCores !== undefined && status.worstOtherCores > QUOTABLE_MAX_OTHER_CORES)
    reasons.push(
      `other work took ${status.worstOtherCores} cores while timing (above ${QUOTABLE_MAX_OTHER_CORES})`,
    );
  const shared =
    status.worstLoad > QUOTABLE_MAX_LOAD || (status.worstOtherCores ?? 0) > QUOTABLE_MAX_OTHER_CORES;
  return (
    `${reasons.join('; ')}; ` +
    (shared ? 'other work shared the CPU, so ' : '') +
    'the timings below show a shape, not a figure to quote. Simulated counts and costs do not depend on the load'
  );
}

function readPath({ readPath: r }: BenchResults): string[] {
  return [
    `## Read path (in-process, DynamoDB Local on 127.0.0.1; ${r.rounds} rounds, a fresh process each, operations in random order)`,
    '',
    'Each cell: median of the round values (min–max over rounds).',
    '',
    '| Operation | Samples | p50 | p99 |',
    '|---|---:|---:|---:|',
    ...(Object.keys(READ_LABELS) as ReadOperation[]).map((name) => {
      const op = r.operations[name];
      return `| ${READ_LABELS[name]} | ${formatCount(op.count)} | ${spread(op.p50Ns, formatNs)} | ${spread(op.p99Ns, formatNs)} |`;
    }),
    `| TokenBrokerClient.getToken(), warm (ns/op) | ${formatCount(r.getTokenOps * r.rounds)} | ${spread(r.getTokenNsPerOp, (n) => `${n.toFixed(0)} ns`)} | |`,
    '',
    `- The reader bundle over its own GetItem (p50 of cache off − p50 of the bare GetItem, pooled): ${interval(r.readerOverDynamoDbNs)}.`,
    `- The Reader core over an in-process store read (p50 difference, pooled): ${interval(r.coreOverMemoryNs)}.`,
    `- Log bytes the reader writes per invocation (EMF metrics line and log lines): ${spread(r.logBytesPerInvocation, (n) => n.toFixed(0))}.`,
    '- These are in-process calls. A consumer reaches the reader through Lambda Invoke, which the simulation below models; no consumer sees these figures alone.',
    '',
  ];
}

function coldStart({ coldStart: c }: BenchResults): string[] {
  if ('skipped' in c) return ['## Cold start', '', `| ${c.skipped} |`, '|---|', ''];
  const first = c.rows[0];
  return [
    `## Cold start (${c.runtimeClient} behind a Runtime API stand-in on 127.0.0.1; ${first?.runs ?? 0} runs per bundle in ${first?.initMs.rounds ?? 0} rounds)`,
    '',
    'A fresh Node process per run runs the runtime interface client, which loads the handler as the managed runtime does and ' +
      'takes the first event; the readers answer it with a real read against DynamoDB Local. Init = process start to the ' +
      "first `next`; first invoke = that `next` to the answer. **Not a Lambda sandbox: the sandbox's own init is extra.** " +
      'Each cell: median of the round medians (min–max over rounds).',
    '',
    '| Bundle | AWS SDK | Size | gzip | Init | First invoke | Init + first invoke | p90 of all runs |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...c.rows.map(
      (row) =>
        `| ${row.label} | ${row.sdkNote ?? (row.sdkBundled ? 'bundled' : 'runtime (NODE_PATH)')} | ${formatKiB(row.bytes)} | ${formatKiB(row.gzipBytes)} | ` +
        `${spread(row.initMs, ms)} | ${spread(row.firstInvokeMs, ms)} | ${spread(row.totalMs, ms)} | ${ms(row.totalP90Ms)} |`,
    ),
    '',
    ...moduleInit(c.rows),
  ];
}

/**
 * The handler module's own share of init: each reader's init median minus the empty
 * handler's (the same Node and runtime client start), and the prebuilt reader's as a
 * fraction of each comparator's. Derived from the table's medians only.
 */
export function moduleInit(rows: readonly ColdStartRow[]): string[] {
  const empty = rows.find((row) => row.label === 'empty handler');
  const prebuilt = rows.find((row) => row.label === 'reader (synthesized)');
  if (!empty || !prebuilt) return [];
  const own = (row: ColdStartRow) => row.initMs.median - empty.initMs.median;
  const comparators = rows.filter((row) => row !== empty && row !== prebuilt);
  return [
    `Module init (init − the empty handler's init, medians): reader (synthesized) ${ms(own(prebuilt))}` +
      comparators
        .map(
          (row) =>
            `; ${row.label} ${ms(own(row))} (the reader's is ${(own(prebuilt) / own(row)).toFixed(2)}×)`,
        )
        .join('') +
      '.',
    '',
  ];
}

function steadyRow(row: LoadRow): string {
  const broker = row.strategy === 'broker';
  return (
    `| ${formatCount(row.containers)} | ${STRATEGIES[row.strategy]} | ${formatCount(row.tokenRequests)} | ${row.peakTokenRequestsPerSecond} | ` +
    `${broker ? formatCount(row.brokerInvocations) : '–'} | ${broker ? row.peakReaderInvocationsPerSecond : '–'} | ` +
    `${broker ? row.peakReaderConcurrency : '–'} | ${formatCount(row.dynamoReads)} | ${formatCount(row.dynamoWrites)} | ` +
    `${formatCount(row.secretReads)} | ${formatCount(row.expiredTokenCalls)} | ${formatCount(row.failedCalls)} |`
  );
}

const STEADY_HEAD = [
  '| Containers | Strategy | Token requests/day | Peak token req/s | Reader invocations/day | Peak reader inv/s | Peak concurrent readers | DynamoDB reads/day | DynamoDB writes/day | GetSecretValue/day | Expired-token calls | Failed calls |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function simulation(results: BenchResults): string[] {
  const { steady, deploy, scaleOut, sensitivity } = results.tokenLoad;
  const model = LOAD_MODEL;
  const largest = Math.max(...steady.map((row) => row.containers));
  const latencyRows = (rows: readonly LoadRow[]) =>
    rows.map((row) => `| ${STRATEGIES[row.strategy]} | ${latency(row.addedLatency)} |`);
  return [
    `## Token-endpoint load (simulated ${model.fleet.durationMs / 3_600_000} h after ${model.fleet.warmupMs / 3_600_000} h of warm-up, seed ${model.seed})`,
    '',
    `Assumptions (no source gives them): each container calls the A55 API every ${model.fleet.callIntervalMs / 1000} s and lives ` +
      `${minutes(model.fleet.lifetimeMeanMs)} ± ${minutes(model.fleet.lifetimeJitterMs)}. Tokens live ${model.rules.tokenLifetimeSeconds} s ` +
      `(A55), every strategy refreshes ${model.rules.refreshMarginSeconds} s before expiry (the reference client and the broker's default), ` +
      `the refresher runs every ${model.rules.refreshIntervalMs / 60_000} min, the reader caches ${model.rules.readerCacheSeconds} s. ` +
      '(a) to (b″) read the client secret once per container start. (c) runs the real refresh use case (retry chain, ' +
      'Lambda async retries), the real Reader with self-healing in a pool of reader environments (one Reader each), the reader ' +
      "face's answer rules and the real TokenBrokerClient, on a fake clock. Counts are per credential set.",
    '',
    '### Latency model',
    '',
    '| Call | Range | Source |',
    '|---|---:|---|',
    ...Object.entries(LATENCY_MODEL).map(
      ([name, range]) => `| ${name} | ${range.minMs}–${range.maxMs} ms | ${range.source} |`,
    ),
    `| idle reader environment kept | ${READER_IDLE_TIMEOUT_MS / 60_000} min | ${READER_IDLE_TIMEOUT_SOURCE} |`,
    '',
    '### Steady state',
    '',
    ...STEADY_HEAD,
    ...steady.map(steadyRow),
    '',
    `### What a consumer's API call waits for its token (${formatCount(largest)} containers, steady state)`,
    '',
    'Added latency per A55 API call: 0 when the token is in memory; otherwise the remote calls of the latency model, including consumer cold starts and refresh moments.',
    '',
    '| Strategy | p50 | p99 | p99.9 | max | calls that wait |',
    '|---|---:|---:|---:|---:|---:|',
    ...latencyRows(steady.filter((row) => row.containers === largest)),
    '',
    `### A full-fleet deploy at 12:00 (${formatCount(deploy[0]?.containers ?? 0)} containers, each replaced at its next call)`,
    '',
    ...STEADY_HEAD,
    ...deploy.map(steadyRow),
    '',
    '| Strategy | p50 | p99 | p99.9 | max | calls that wait |',
    '|---|---:|---:|---:|---:|---:|',
    ...latencyRows(deploy),
    '',
    `### A scale-out at 12:00 from ${formatCount(scaleOut[0]?.containers ?? 0)} to ${formatCount((scaleOut[0]?.containers ?? 0) * model.scaleOut.factor)} containers within a minute`,
    '',
    ...STEADY_HEAD,
    ...scaleOut.map(steadyRow),
    '',
    `### Sensitivity: container lifetime × call interval (${model.sensitivity.containers} containers, per day)`,
    '',
    '| Lifetime | Call interval | Strategy | Token requests | DynamoDB reads | Reader invocations | GetSecretValue | p99.9 added |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...sensitivity.map(
      (row) =>
        `| ${minutes(row.lifetimeMs)} | ${row.callIntervalMs / 1000} s | ${STRATEGIES[row.strategy]} | ${formatCount(row.tokenRequests)} | ` +
        `${formatCount(row.dynamoReads)} | ${row.strategy === 'broker' ? formatCount(row.brokerInvocations) : '–'} | ` +
        `${formatCount(row.secretReads)} | ${ms(row.addedLatency.p999Ms)} |`,
    ),
    '',
    ...scenarios(results),
    ...outages(results),
  ];
}

function scenarios({ scenarios: rows }: BenchResults): string[] {
  return [
    `### What one caller or a rejected secret can add to (c) (${SCENARIO_FLEET_CONTAINERS} containers)`,
    '',
    '| Scenario | Token requests/day | of them refused | Refresher runs | Refreshes asked by the reader | Extra caller served / reads | DynamoDB reads/day | Failed calls |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${SCENARIOS[row.scenario].label} | ${formatCount(row.tokenRequests)} | ${formatCount(row.rejectedTokenRequests)} | ` +
        `${formatCount(row.refresherRuns)} | ${formatCount(row.refreshRequests)} | ` +
        `${row.extraCallerReads === 0 ? '–' : `${formatCount(row.extraCallerServed)} / ${formatCount(row.extraCallerReads)}`} | ` +
        `${formatCount(row.dynamoReads)} | ${formatCount(row.failedCalls)} |`,
    ),
    '',
  ];
}

function outages({ outages: rows }: BenchResults): string[] {
  return [
    `### IdP outages at the worst moment ((c), ${OUTAGE_MODEL.containers} containers, one call a minute each)`,
    '',
    'The token endpoint answers 503 from the moment a scheduled refresh fires. Tolerance = token lifetime − interval − default ' +
      'validity (contract/limits.ts): the outage callers asking the default validity do not see. Recovery = seconds from the ' +
      "IdP's return to the first fresh token stored (retry chain: RETRY_CHAIN, decision 30). The client's own retries " +
      'are off in the simulation, so every refusal counts as a failed call.',
    '',
    '| Schedule | Outage | Tolerance | Caller-visible failed calls | of API calls | Recovery | Token requests (refused) | Refresher runs |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.intervalMinutes} min | ${row.outageSeconds} s | ${row.toleranceSeconds} s | ${formatCount(row.callerVisibleFailures)} | ` +
        `${formatCount(row.apiCalls)} | ${row.recoverySeconds === null ? 'none' : `${row.recoverySeconds.toFixed(1)} s`} | ` +
        `${formatCount(row.tokenRequests)} (${formatCount(row.refusedTokenRequests)}) | ${formatCount(row.refresherRuns)} |`,
    ),
    '',
  ];
}

function cost({ cost: c, tokenLoad }: BenchResults): string[] {
  const sizes = [...new Set(c.monthly.map((row) => row.containers))].sort((a, b) => a - b);
  const strategies = Object.keys(STRATEGIES) as Array<keyof typeof STRATEGIES>;
  const find = (strategy: string, containers: number) =>
    c.monthly.find((row) => row.strategy === strategy && row.containers === containers);
  const brokerAt = find('broker', sizes.at(-1) ?? 0);
  return [
    `## Monthly cost (${COST_ASSUMPTIONS.daysPerMonth} simulated days, list prices, no free tier), per credential set`,
    '',
    `Fixed resources counted from the synthesized template (${c.fixed.credentialSets} credential set): ` +
      `${c.fixed.kmsKeys} KMS keys, ${c.fixed.secrets} secrets, ${c.fixed.dashboards} dashboard(s), ${c.fixed.alarms} alarms ` +
      `watching ${c.fixed.alarmMetrics} metrics, ${c.fixed.eventSourceMappings} SQS event source mapping(s), ${c.fixed.functions} functions. ` +
      `Log ingestion: ${c.logBytesPerInvocation.toFixed(0)} bytes per invocation (measured handler output plus ` +
      `${COST_ASSUMPTIONS.platformLogBytesPerInvocation} bytes of START/END/REPORT lines, an assumption).`,
    '',
    '| Containers | Strategy | Token requests/month | Cognito tokens | Fixed | Variable | Total |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...sizes.flatMap((size) =>
      strategies.flatMap((strategy) => {
        const row = find(strategy, size);
        if (!row) return [];
        return [
          `| ${formatCount(size)} | ${STRATEGIES[strategy]} | ${formatCount(row.tokenRequests)} | ${usd(row.items['Cognito token requests'] ?? 0)} | ` +
            `${usd(row.fixedUsd)} | ${usd(row.variableUsd)} | ${usd(row.totalUsd)} |`,
        ];
      }),
    ),
    '',
    ...c.breakEven.map(
      (entry) =>
        `- Break-even against ${STRATEGIES[entry.against]}: ` +
        (entry.containers === null
          ? `the broker is not cheaper at any simulated fleet size up to ${formatCount(sizes.at(-1) ?? 0)} containers.`
          : `the broker is cheaper from about **${formatCount(entry.containers)} containers** (linear between simulated sizes).`),
    ),
    '',
    brokerAt
      ? `(c) at ${formatCount(brokerAt.containers)} containers, by item: ` +
        Object.entries(brokerAt.items)
          .filter(([, value]) => value > 0)
          .map(([name, value]) => `${name} ${usd(value)}`)
          .join(', ') +
        '.'
      : '',
    '',
    `GetSecretValue calls a month at ${formatCount(sizes.at(-1) ?? 0)} containers: ` +
      strategies
        .map((strategy) => {
          const row = tokenLoad.steady.find((r) => r.strategy === strategy && r.containers === sizes.at(-1));
          return `${strategy} ${formatCount((row?.secretReads ?? 0) * COST_ASSUMPTIONS.daysPerMonth)}`;
        })
        .join(', ') +
      '.',
    '',
    'Prices:',
    '',
    ...Object.values(PRICES).map(
      (price) =>
        `- $${price.usd < 0.01 ? price.usd.toPrecision(3) : price.usd} per ${price.per} (${price.source})`,
    ),
    `- Assumptions: reader billed ${COST_ASSUMPTIONS.readerBilledMs} ms, refresher ${COST_ASSUMPTIONS.refresherBilledMs} ms, at ` +
      `${COST_ASSUMPTIONS.brokerMemoryGb * 1024} MB arm64; consumer waiting billed at ${COST_ASSUMPTIONS.consumerMemoryGb * 1024} MB arm64; ` +
      `${COST_ASSUMPTIONS.steadyCustomMetricsPerSet} custom metrics per set; an idle SQS event source mapping makes ` +
      `${formatCount(COST_ASSUMPTIONS.sqsIdleReceivesPerMonth)} receives a month. Every strategy pays the Cognito app client and the secret.`,
    '',
  ];
}
