/**
 * `npm run bench` (`-- --quick` for smaller samples while working on the bench): synthesizes
 * the app once, measures cold starts under the runtime interface client and the read path
 * against DynamoDB Local, simulates the token traffic of every strategy, prices it, prints
 * the report and writes bench/results/latest.{md,json}. Benchmarks, not tests: nothing here
 * passes or fails on a timing. The report says whether the machine was quiet enough to quote.
 *
 * Steps run one after another so they do not compete for the CPU. Set BENCH_KEEP_ASSEMBLY=1
 * to keep the synthesized assembly under .test-out/. `-- --render` measures nothing: it writes
 * latest.md again from latest.json (after a change to the report's wording).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseBrokerToken } from '../client/transports/transport.js';
import { buildAssembly, PROJECT_ROOT } from './assembly.js';
import {
  COLD_START_ROUNDS,
  COLD_START_RUNS_PER_ROUND,
  type ColdStartTarget,
  measureColdStarts,
} from './cold-start.js';
import { breakEven, countResources, logBytesPerInvocation, monthlyCost } from './cost.js';
import { measuringOtherWork } from './other-work.js';
import { measureReadPath, READ_PATH_SIZES, startLocalTable } from './read-path.js';
import { type BenchResults, describeMachine, loadAverages, writeResults } from './report.js';
import { renderMarkdown } from './report-markdown.js';
import { runOutages } from './sim/outage.js';
import { runScenarios } from './sim/scenarios.js';
import { runTokenLoad } from './sim/token-load.js';

// No AWS account here: never let the SDK probe instance metadata or CDK phone home.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';

if (process.argv.includes('--render')) {
  const file = join(PROJECT_ROOT, 'bench', 'results', 'latest.json');
  const { quotable: _quotable, ...results } = JSON.parse(readFileSync(file, 'utf8')) as BenchResults & {
    quotable?: unknown;
  };
  const written = writeResults(results, renderMarkdown(results));
  process.stderr.write(
    `[bench] rendered ${written.map((name) => relative(PROJECT_ROOT, name)).join(', ')}\n`,
  );
  process.exit(0);
}

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
// Taken before any work, so the load average shows what else the machine was doing.
const machine = describeMachine();

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const step = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);

step(`synthesizing the app and building the comparison bundles${quick ? ' (quick mode)' : ''}`);
const assembly = await buildAssembly();
try {
  step(`synthesized in ${assembly.synthSeconds.toFixed(1)} s; starting DynamoDB Local`);
  const local = await startLocalTable(assembly.reader);
  let coldStart: BenchResults['coldStart'];
  let readPath: BenchResults['readPath'];
  let otherWorkCores: BenchResults['machine']['otherWorkCores'];
  try {
    const readsAToken = (body: string) => {
      parseBrokerToken(JSON.parse(body), 'bench reader');
    };
    const targets: ColdStartTarget[] = [
      { bundle: assembly.emptyHandler, event: {}, check: (body) => JSON.parse(body) },
      { bundle: assembly.reader, event: { credential: local.credential }, check: readsAToken },
      { bundle: assembly.readerNodejsFunction, event: { credential: local.credential }, check: readsAToken },
      { bundle: assembly.readerNaive, event: { credential: local.credential }, check: readsAToken },
    ];
    step(`measuring cold starts under aws-lambda-ric (${COLD_START_ROUNDS} rounds)`);
    const cold = await measuringOtherWork(() =>
      measureColdStarts(targets, {
        dynamoDbEndpoint: local.endpoint,
        rounds: COLD_START_ROUNDS,
        runsPerRound: quick ? 1 : COLD_START_RUNS_PER_ROUND,
      }),
    );
    coldStart = cold.result;
    step(`measuring the read path against DynamoDB Local (${READ_PATH_SIZES.rounds} rounds)`);
    const read = await measuringOtherWork(() => measureReadPath(assembly.reader, local, { quick }));
    readPath = read.result;
    if (cold.otherCores !== undefined && read.otherCores !== undefined)
      otherWorkCores = { coldStart: cold.otherCores, readPath: read.otherCores };
    step(
      `other work while timing: ${cold.otherCores ?? '?'} cores (cold starts), ${read.otherCores ?? '?'} (read path)`,
    );
  } finally {
    await local.stop();
  }

  step('simulating a day of token traffic per strategy (steady, deploy, scale-out, sensitivity)');
  const tokenLoad = await runTokenLoad({ quick });
  step('simulating what one caller, a rejected secret or an IdP outage does');
  const scenarios = await runScenarios();
  const outages = await runOutages();

  const fixed = countResources(assembly.template, assembly.credentialSets);
  const handlerLogBytes = readPath.logBytesPerInvocation.median;
  const monthly = tokenLoad.steady.map((row) => monthlyCost(row, fixed, handlerLogBytes));
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: { ...machine, loadAtEnd: loadAverages(), ...(otherWorkCores ? { otherWorkCores } : {}) },
    totalSeconds: (performance.now() - started) / 1000,
    synthSeconds: assembly.synthSeconds,
    readPath,
    coldStart,
    tokenLoad,
    scenarios,
    outages,
    cost: {
      fixed,
      monthly,
      breakEven: (['perProcess', 'memoryAndItem', 'memoryItemLease'] as const).map((against) =>
        breakEven(monthly, against),
      ),
      logBytesPerInvocation: logBytesPerInvocation(handlerLogBytes),
    },
  };
  const markdown = renderMarkdown(results);
  const files = writeResults(results, markdown);
  process.stdout.write(`\n${markdown}\n`);
  step(`wrote ${files.map((file) => relative(PROJECT_ROOT, file)).join(', ')}`);
} finally {
  if (process.env.BENCH_KEEP_ASSEMBLY !== '1') rmSync(assembly.outdir, { recursive: true, force: true });
}
