/**
 * Cold start as Lambda runs it, short of the sandbox: a fresh Node process runs AWS's
 * runtime interface client (aws-lambda-ric, the loader of the managed Node runtime) against
 * a Runtime API stand-in on 127.0.0.1 (./runtime-api.ts), which hands it the first event;
 * for the reader that is a real read against DynamoDB Local. Measured from outside: process
 * start to the first `next` (init), that `next` to the posted answer (first invocation).
 * Not a Lambda sandbox: the sandbox's own init (microVM, code download) is extra.
 *
 * Bundles run round-robin within each round, and rounds one after another, so a busy moment
 * on the machine hits every bundle alike; each row carries the spread of its round medians.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BenchBundle, PROJECT_ROOT } from './assembly.js';
import { type InvocationTimes, RuntimeApi } from './runtime-api.js';
import { BENCH_ROUNDS, median, percentile, type RoundSpread, roundSpread } from './stats.js';

/** Rounds of cold starts: {@link BENCH_ROUNDS}. */
export const COLD_START_ROUNDS = BENCH_ROUNDS;
/** Measured runs per bundle in each round (short rounds: see {@link BENCH_ROUNDS}). */
export const COLD_START_RUNS_PER_ROUND = 3;

/** A run that has not answered by then has hung (never on a healthy machine: seconds at most). */
const COLD_START_TIMEOUT_MS = 60_000;

/** A bundle with the event its first invocation gets and a check of the answer. */
export interface ColdStartTarget {
  readonly bundle: BenchBundle;
  readonly event: unknown;
  /** Throws when the first invocation's answer is not the expected one (never prints a token). */
  readonly check: (body: string) => void;
}

/** One line of the cold-start table. Times in ms. */
export interface ColdStartRow {
  readonly label: string;
  readonly sdkBundled: boolean;
  /** Where the SDK comes from when neither bundled nor the runtime's. */
  readonly sdkNote?: string;
  /** Every code file of the bundle's folder (entry and chunks; no source maps). */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Process start to the first `next`: Node, the runtime client and the handler module. */
  readonly initMs: RoundSpread;
  /** The first `next` to the posted answer. */
  readonly firstInvokeMs: RoundSpread;
  /** Process start to the first answer. */
  readonly totalMs: RoundSpread;
  /** Of every run, not of round medians. */
  readonly totalP90Ms: number;
  readonly runs: number;
  /** Raw samples, per run in order. */
  readonly samples: { readonly initMs: number[]; readonly firstInvokeMs: number[] };
}

/** The table, or why there is none. */
export type ColdStartResult =
  | { readonly rows: readonly ColdStartRow[]; readonly runtimeClient: string }
  | { readonly skipped: string };

/** Options of {@link measureColdStarts}. */
export interface ColdStartOptions {
  /** @default COLD_START_ROUNDS */
  readonly rounds?: number;
  /** Measured runs per bundle per round. @default COLD_START_RUNS_PER_ROUND */
  readonly runsPerRound?: number;
  /** Unmeasured runs per bundle first (fill the OS file cache). @default 1 */
  readonly warmups?: number;
  /** DynamoDB Local, for the reader's first read. */
  readonly dynamoDbEndpoint: string;
}

/** Where aws-lambda-ric's entry is, or undefined when the optional dependency is not installed. */
export function runtimeClientEntry(): { entry: string; version: string } | undefined {
  try {
    const require = createRequire(join(PROJECT_ROOT, 'package.json'));
    const manifest = require.resolve('aws-lambda-ric/package.json');
    const { version, main } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; main: string };
    return { entry: join(dirname(manifest), main), version };
  } catch {
    return undefined;
  }
}

/** Measures every target; rows come back in the order given. */
export async function measureColdStarts(
  targets: readonly ColdStartTarget[],
  options: ColdStartOptions,
): Promise<ColdStartResult> {
  const ric = runtimeClientEntry();
  if (!ric)
    return {
      skipped: 'skipped: aws-lambda-ric not installed (an optional dependency; npm install builds it)',
    };
  const rounds = options.rounds ?? COLD_START_ROUNDS;
  const runsPerRound = options.runsPerRound ?? COLD_START_RUNS_PER_ROUND;
  const perRound = targets.map(() => ({ init: [] as number[][], invoke: [] as number[][] }));
  const all = targets.map(() => ({ init: [] as number[], invoke: [] as number[] }));
  for (const target of targets) {
    for (let warmup = 0; warmup < (options.warmups ?? 1); warmup++)
      await coldStart(ric.entry, target, options);
  }
  for (let round = 0; round < rounds; round++) {
    for (const series of perRound) {
      series.init.push([]);
      series.invoke.push([]);
    }
    for (let run = 0; run < runsPerRound; run++) {
      for (const [index, target] of targets.entries()) {
        const { initMs, firstInvokeMs } = await coldStart(ric.entry, target, options);
        perRound[index]?.init[round]?.push(initMs);
        perRound[index]?.invoke[round]?.push(firstInvokeMs);
        all[index]?.init.push(initMs);
        all[index]?.invoke.push(firstInvokeMs);
      }
    }
  }
  const rows = targets.map(({ bundle }, index): ColdStartRow => {
    const series = perRound[index] as (typeof perRound)[number];
    const samples = all[index] as (typeof all)[number];
    const totals = samples.init.map((init, run) => init + (samples.invoke[run] ?? 0));
    const code = codeOf(dirname(bundle.file));
    return {
      label: bundle.label,
      sdkBundled: bundle.sdkBundled,
      ...(bundle.sdkNote === undefined ? {} : { sdkNote: bundle.sdkNote }),
      bytes: code.length,
      // Lambda ships code zipped (deflate); gzip at the default level is a close proxy.
      gzipBytes: gzipSync(code).length,
      initMs: roundSpread(series.init.map(median)),
      firstInvokeMs: roundSpread(series.invoke.map(median)),
      totalMs: roundSpread(
        series.init.map((init, round) =>
          median(init.map((value, run) => value + (series.invoke[round]?.[run] ?? 0))),
        ),
      ),
      totalP90Ms: percentile(
        [...totals].sort((a, b) => a - b),
        90,
      ),
      runs: samples.init.length,
      samples: { initMs: samples.init, firstInvokeMs: samples.invoke },
    };
  });
  return { rows, runtimeClient: `aws-lambda-ric ${ric.version}` };
}

/**
 * One fresh process running the runtime client on `target`, until its first answer. Each
 * run has its own Runtime API server: a killed process's last `next` can never take the
 * next run's event.
 */
async function coldStart(
  ricEntry: string,
  target: ColdStartTarget,
  options: ColdStartOptions,
): Promise<{ initMs: number; firstInvokeMs: number }> {
  const api = await RuntimeApi.start();
  try {
    return await coldStartWith(api, ricEntry, target, options);
  } finally {
    await api.stop();
  }
}

async function coldStartWith(
  api: RuntimeApi,
  ricEntry: string,
  target: ColdStartTarget,
  options: ColdStartOptions,
): Promise<{ initMs: number; firstInvokeMs: number }> {
  const { bundle } = target;
  const handlerFile = basename(bundle.file).replace(/\.(mjs|cjs|js)$/, '');
  const env: Record<string, string> = {
    // Only what Lambda would provide: the template's variables, the runtime's, credentials.
    PATH: process.env.PATH ?? '',
    ...bundle.env,
    AWS_LAMBDA_RUNTIME_API: api.address,
    _HANDLER: `${handlerFile}.handler`,
    LAMBDA_TASK_ROOT: dirname(bundle.file),
    // The managed runtime resolves `require` of its bundled SDK through NODE_PATH; this
    // project's node_modules stands in for it (only the NodejsFunction build needs it).
    NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
    AWS_LAMBDA_LOG_STREAM_NAME: 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
    // Never contacted (the stored token is valid, so no self-healing invoke); kept local.
    AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const answered = api.expect(target.event);
  const startedAtMs = performance.now();
  const child = spawn(process.execPath, [ricEntry], {
    cwd: dirname(bundle.file),
    env,
    // The function's log lines are what Lambda would ship; not needed here.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
  });
  const exited = new Promise<InvocationTimes>((_resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `cold start of ${bundle.label} ended (${code ?? signal}) before answering: ${stderr.trim()}`,
        ),
      ),
    );
    child.once('error', reject);
  });
  // Killing the process after its answer makes `exited` reject; that is expected.
  exited.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `cold start of ${bundle.label} gave no answer in ${COLD_START_TIMEOUT_MS} ms: ${stderr.trim()}`,
          ),
        ),
      COLD_START_TIMEOUT_MS,
    );
  });
  let times: InvocationTimes;
  try {
    times = await Promise.race([answered, exited, timedOut]);
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
  await new Promise((resolve) =>
    child.exitCode === null ? child.once('exit', resolve) : resolve(undefined),
  );
  if (times.failed)
    throw new Error(`cold start of ${bundle.label} answered an error: ${errorTypeOf(times.body)}`);
  target.check(times.body);
  return { initMs: times.readyAtMs - startedAtMs, firstInvokeMs: times.doneAtMs - times.readyAtMs };
}

/** The code files under `dir` (entry and lazily loaded chunks, no source maps), concatenated. */
function codeOf(dir: string): Buffer {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(mjs|cjs|js)$/.test(name))
    .sort();
  return Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
}

/** The error type of an error payload, never its message (which could quote a value). */
function errorTypeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { errorType?: unknown }).errorType ?? 'unknown');
  } catch {
    return 'unparseable error payload';
  }
}
