/**
 * Cold start of each bundle: its size (raw and gzip) and the time a fresh `node` process
 * takes to load it, measured by ./cold-start-runner.mjs. Bundles are run round-robin, so a
 * busy moment on the machine hits every bundle alike instead of one.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BenchBundle, PROJECT_ROOT } from './assembly.js';
import { percentile } from './stats.js';

/** Median and 90th percentile of a timing, in milliseconds. */
export interface Spread {
  readonly median: number;
  readonly p90: number;
}

/** One line of the cold-start table. */
export interface ColdStartRow {
  readonly label: string;
  readonly sdkBundled: boolean;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** `await import(bundle)`: the module's top level, dependencies included. */
  readonly initMs: Spread;
  /** From process start to the module's top level finished: node's own start-up plus init. */
  readonly readyMs: Spread;
  /** Spawn to exit, as the parent sees it. */
  readonly wallMs: Spread;
  readonly runs: number;
}

/** Options of {@link measureColdStarts}. */
export interface ColdStartOptions {
  /** Measured runs per bundle. @default 30 */
  readonly runs?: number;
  /** Unmeasured runs per bundle first (fill the OS file cache). @default 2 */
  readonly warmups?: number;
}

const RUNNER = join(PROJECT_ROOT, 'bench', 'cold-start-runner.mjs');

/** Measures every bundle; rows come back in the order given. */
export async function measureColdStarts(
  bundles: readonly BenchBundle[],
  options: ColdStartOptions = {},
): Promise<ColdStartRow[]> {
  const runs = options.runs ?? 30;
  const warmups = options.warmups ?? 2;
  const samples = bundles.map(() => ({ init: [] as number[], ready: [] as number[], wall: [] as number[] }));
  for (let round = 0; round < warmups + runs; round++) {
    for (const [index, bundle] of bundles.entries()) {
      const run = await coldStart(bundle);
      if (round < warmups) continue;
      const sample = samples[index] as (typeof samples)[number];
      sample.init.push(run.initMs);
      sample.ready.push(run.readyMs);
      sample.wall.push(run.wallMs);
    }
  }
  return bundles.map((bundle, index) => {
    const sample = samples[index] as (typeof samples)[number];
    const code = readFileSync(bundle.file);
    return {
      label: bundle.label,
      sdkBundled: bundle.sdkBundled,
      bytes: code.length,
      // Lambda ships code zipped (deflate); gzip at the default level is a close proxy.
      gzipBytes: gzipSync(code).length,
      initMs: spread(sample.init),
      readyMs: spread(sample.ready),
      wallMs: spread(sample.wall),
      runs,
    };
  });
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90) };
}

/** One fresh process loading `bundle` with the environment its template gives it. */
function coldStart(bundle: BenchBundle): Promise<{ initMs: number; readyMs: number; wallMs: number }> {
  const env: Record<string, string> = {
    // Only what Lambda would provide: the template's variables, a region, credentials.
    // Not this process's environment, which carries tsx's loader options.
    PATH: process.env.PATH ?? '',
    ...bundle.env,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Never contacted: module init makes no request. Set so a stray one stays on this machine.
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The SDK warns on Node < 22 (Lambda runs 24): printing it is not init work Lambda does.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [RUNNER, pathToFileURL(bundle.file).href], {
      cwd: dirname(bundle.file),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`cold start of ${bundle.label} exited with ${code}: ${stderr.trim().slice(-500)}`));
        return;
      }
      const { initMs, readyMs } = JSON.parse(stdout) as { initMs: number; readyMs: number };
      resolve({ initMs, readyMs, wallMs });
    });
  });
}
