/**
 * Read-path benchmark: DynamoDB Local with one token stored the way the refresher stores it,
 * and rounds of ./read-path-worker.ts (a fresh process each) against it. Per operation it
 * reports the median and min–max of the round p50s and p99s; the reader's overhead over the
 * same store read is a difference of pooled p50s with a bootstrap confidence interval.
 * Only 127.0.0.1 is ever contacted.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { DynamoDbTokenStore } from '../lambda/adapters/dynamodb-token-store.js';
import { createTokenTable, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createLocalDynamoDbClient } from '../tools/dynamodb-local-client.js';
import { BENCH_TABLE, type BenchBundle, PROJECT_ROOT } from './assembly.js';
import {
  READ_OPERATIONS,
  type ReadOperation,
  type ReadPathInput,
  type ReadPathRound,
} from './read-path-operations.js';
import {
  BENCH_ROUNDS,
  bootstrapDifference,
  type Interval,
  percentile,
  type RoundSpread,
  roundSpread,
} from './stats.js';

/** Rounds ({@link BENCH_ROUNDS}, a fresh process each) and sample sizes per round. */
export const READ_PATH_SIZES = {
  rounds: BENCH_ROUNDS,
  samplesPerOperation: { hit: 1_000, miss: 300, getItem: 300, coreMemory: 1_000, memoryGet: 1_000 },
  getTokenOps: 60_000,
} as const satisfies {
  rounds: number;
  samplesPerOperation: Record<ReadOperation, number>;
  getTokenOps: number;
};

/** DynamoDB Local with the bench table and one stored token; shared by cold starts and the read path. */
export interface LocalTable {
  readonly endpoint: string;
  readonly table: string;
  readonly credential: string;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local and stores a token for the reader's set, through the real adapter. */
export async function startLocalTable(reader: BenchBundle): Promise<LocalTable> {
  const table = reader.env.TABLE_NAME;
  const credential = reader.env.CREDENTIAL_NAMES?.split(',')[0]?.trim();
  if (table !== BENCH_TABLE || !credential) {
    throw new Error('the reader environment has no bench TABLE_NAME or CREDENTIAL_NAMES');
  }
  const local = await startDynamoDbLocal();
  const client = createLocalDynamoDbClient(local.endpoint);
  try {
    await createTokenTable(client, table);
    const nowSeconds = Date.now() / 1000;
    // Written through the real adapter, so the item has exactly the refresher's shape.
    await new DynamoDbTokenStore({ client, tableName: table }).put({
      credential,
      accessToken: 'bench-token-not-a-secret',
      tokenType: 'Bearer',
      expiresAt: Math.floor(nowSeconds) + 3 * 3600,
      fetchedAt: nowSeconds,
    });
  } catch (error) {
    await local.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint: local.endpoint, table, credential, stop: () => local.stop() };
}

/** One operation across rounds. */
export interface OperationSummary {
  readonly count: number;
  readonly p50Ns: RoundSpread;
  readonly p99Ns: RoundSpread;
}

/** Everything the read path reports. */
export interface ReadPathResult {
  readonly rounds: number;
  readonly operations: Readonly<Record<ReadOperation, OperationSummary>>;
  /** p50(miss) − p50(getItem), pooled over rounds: the reader bundle's cost over its own GetItem. */
  readonly readerOverDynamoDbNs: Interval;
  /** p50(coreMemory) − p50(memoryGet): the reader core's cost over an in-memory store read. */
  readonly coreOverMemoryNs: Interval;
  readonly getTokenNsPerOp: RoundSpread;
  readonly getTokenOps: number;
  readonly logBytesPerInvocation: RoundSpread;
  /** Raw samples in ns, per round. */
  readonly samplesNs: ReadonlyArray<Readonly<Record<ReadOperation, number[]>>>;
}

/** Options of {@link measureReadPath}. */
export interface ReadPathOptions {
  /** Smaller samples, for iterating on the bench. */
  readonly quick?: boolean;
}

/** Measures the read path of the synthesized `reader` bundle against `local`. */
export async function measureReadPath(
  reader: BenchBundle,
  local: LocalTable,
  options: ReadPathOptions = {},
): Promise<ReadPathResult> {
  const scale = options.quick ? 0.25 : 1;
  const samplesPerOperation = Object.fromEntries(
    READ_OPERATIONS.map((name) => [name, Math.round(READ_PATH_SIZES.samplesPerOperation[name] * scale)]),
  ) as Record<ReadOperation, number>;
  const rounds: ReadPathRound[] = [];
  for (let round = 0; round < READ_PATH_SIZES.rounds; round++) {
    rounds.push(
      await runWorker({
        bundleFile: reader.file,
        env: {
          ...reader.env,
          AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
          // Never called (the token is valid, so no self-healing invoke); kept local all the same.
          AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        table: local.table,
        credential: local.credential,
        samplesPerOperation,
        getTokenOps: Math.round(READ_PATH_SIZES.getTokenOps * scale),
        seed: 1_000 + round,
      }),
    );
  }
  const pooled = (name: ReadOperation) => rounds.flatMap((round) => round.samplesNs[name]);
  const p = (values: readonly number[], at: number) =>
    percentile(
      [...values].sort((a, b) => a - b),
      at,
    );
  const operations = Object.fromEntries(
    READ_OPERATIONS.map((name) => [
      name,
      {
        count: pooled(name).length,
        p50Ns: roundSpread(rounds.map((round) => p(round.samplesNs[name], 50))),
        p99Ns: roundSpread(rounds.map((round) => p(round.samplesNs[name], 99))),
      },
    ]),
  ) as Record<ReadOperation, OperationSummary>;
  return {
    rounds: rounds.length,
    operations,
    readerOverDynamoDbNs: bootstrapDifference(pooled('miss'), pooled('getItem')),
    coreOverMemoryNs: bootstrapDifference(pooled('coreMemory'), pooled('memoryGet')),
    getTokenNsPerOp: roundSpread(rounds.map((round) => round.getTokenNsPerOp)),
    getTokenOps: Math.round(READ_PATH_SIZES.getTokenOps * scale),
    logBytesPerInvocation: roundSpread(rounds.map((round) => round.logBytesPerInvocation)),
    samplesNs: rounds.map((round) => round.samplesNs),
  };
}

function runWorker(input: ReadPathInput): Promise<ReadPathRound> {
  return new Promise((resolve, reject) => {
    const child = fork(join(PROJECT_ROOT, 'bench', 'read-path-worker.ts'), [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_READ_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: ReadPathRound | undefined;
    child.on('message', (message) => {
      result = message as ReadPathRound;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`read-path worker exited with ${code} before sending a result`));
    });
  });
}
