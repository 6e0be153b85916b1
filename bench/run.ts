/**
 * `npm run bench`: synthesizes the app once, then measures cold starts, the read path and
 * the token-endpoint load, prints the report and writes bench/results/latest.{md,json}.
 * Benchmarks, not tests: nothing here passes or fails on a timing.
 *
 * Steps run one after another so they do not compete for the CPU: cold starts first, on
 * a quiet machine, then DynamoDB Local (a JVM) for the read path, then the simulation.
 * Set BENCH_KEEP_ASSEMBLY=1 to keep the synthesized assembly under .test-out/.
 */
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { buildAssembly, PROJECT_ROOT } from './assembly.js';
import { measureColdStarts } from './cold-start.js';
import { measureReadPath } from './read-path.js';
import { type BenchResults, describeMachine, renderMarkdown, writeResults } from './report.js';
import { runScenarios } from './sim/scenarios.js';
import { LOAD_MODEL, runTokenLoad } from './sim/token-load.js';

// No AWS account here: never let the SDK probe instance metadata or CDK phone home.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
// The SDK warns once per process on Node < 22 (Lambda runs 24); children inherit this too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Taken before any work, so the load average shows what else the machine was doing.
const machine = describeMachine();

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const step = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);

step('synthesizing the app and building the comparison bundles');
const assembly = await buildAssembly();
try {
  step(`synthesized in ${assembly.synthSeconds.toFixed(1)} s; measuring cold starts (30 runs per bundle)`);
  const coldStart = await measureColdStarts([
    assembly.emptyFloor,
    assembly.reader,
    assembly.naiveReader,
    assembly.readerSdkExternal,
    assembly.refresher,
    assembly.naiveRefresher,
  ]);

  step('measuring the read path against DynamoDB Local');
  const readPath = await measureReadPath(assembly.reader);

  step('simulating a day of token-endpoint load');
  const rows = await runTokenLoad();
  step('simulating a day of what one caller or a rejected secret can add');
  const scenarios = await runScenarios();

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine,
    totalSeconds: (performance.now() - started) / 1000,
    synthSeconds: assembly.synthSeconds,
    readPath,
    coldStart,
    tokenLoad: { model: LOAD_MODEL, rows, scenarios },
  };
  const markdown = renderMarkdown(results);
  const files = writeResults(results, markdown);
  process.stdout.write(`\n${markdown}\n`);
  step(`wrote ${files.map((file) => relative(PROJECT_ROOT, file)).join(', ')}`);
} finally {
  if (process.env.BENCH_KEEP_ASSEMBLY !== '1') rmSync(assembly.outdir, { recursive: true, force: true });
}
