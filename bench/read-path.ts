/**
 * Read-path benchmark: starts DynamoDB Local, stores one token the way the refresher
 * does, and runs ./read-path-worker.ts in a child process against it. Only 127.0.0.1 is
 * ever contacted.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { DynamoDbTokenStore } from '../lambda/adapters/dynamodb-token-store.js';
import { createTokenTable, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createLocalDynamoDbClient } from '../tools/dynamodb-local-client.js';
import { BENCH_TABLE, type BenchBundle, PROJECT_ROOT } from './assembly.js';
import type { ReadPathInput, ReadPathResult } from './read-path-worker.js';

/** Sample sizes: at least 10,000 hits and 2,000 misses, interleaved in rounds. */
export const READ_PATH_SIZES = {
  rounds: 10,
  hitsPerRound: 2_000,
  missesPerRound: 200,
  getTokenOps: 1_000_000,
} as const;

/** Measures the read path of the synthesized `reader` bundle. */
export async function measureReadPath(reader: BenchBundle): Promise<ReadPathResult> {
  const table = reader.env.TABLE_NAME;
  const credential = reader.env.CREDENTIAL_NAMES?.split(',')[0]?.trim();
  if (table !== BENCH_TABLE || !credential) {
    throw new Error('the reader environment has no bench TABLE_NAME or CREDENTIAL_NAMES');
  }
  const local = await startDynamoDbLocal();
  const client = createLocalDynamoDbClient(local.endpoint);
  try {
    await createTokenTable(client, table);
    // Written through the real adapter, so the item has exactly the refresher's shape.
    const nowSeconds = Date.now() / 1000;
    await new DynamoDbTokenStore({ client, tableName: table }).put({
      credential,
      accessToken: 'bench-token-not-a-secret',
      tokenType: 'Bearer',
      expiresAt: Math.floor(nowSeconds) + 3600,
      fetchedAt: nowSeconds,
    });
    const input: ReadPathInput = {
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
      table,
      credential,
      ...READ_PATH_SIZES,
    };
    return await runWorker(input);
  } finally {
    client.destroy();
    await local.stop();
  }
}

function runWorker(input: ReadPathInput): Promise<ReadPathResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(PROJECT_ROOT, 'bench', 'read-path-worker.ts'), [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_READ_INPUT: JSON.stringify(input) },
      // stdout (the reader's EMF lines) to /dev/null; errors stay visible.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: ReadPathResult | undefined;
    child.on('message', (message) => {
      result = message as ReadPathResult;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`read-path worker exited with ${code} before sending a result`));
    });
  });
}
