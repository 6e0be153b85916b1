/**
 * Where the local broker keeps tokens and state: DynamoDB Local (the Lambdas' own DynamoDB
 * adapters on a private table) or, on a machine without Java, the in-process stores of
 * lambda/adapters/memory-*-store.ts, which keep the same contract (the write rule is core
 * `mayReplace` in both). `--store` chooses (local/cli-options.ts); `auto` falls back to
 * memory only when java is missing, never when it is there but cannot start.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../lambda/adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../lambda/adapters/dynamodb-token-store.js';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store.js';
import { MemoryTokenStore } from '../lambda/adapters/memory-token-store.js';
import type { StateStore, TokenStore } from '../lambda/core/ports.js';
import type { StoreOption } from './cli-options.js';
import {
  createTokenTable,
  type DynamoDbLocal,
  LOCAL_DYNAMODB_REGION,
  startDynamoDbLocal,
} from './dynamodb-local.js';

/** The store in use, for the banner and the JSON `ready` line. */
export type StoreInfo =
  | { readonly kind: 'dynamodb-local' }
  /** `java-not-found`: `--store auto` fell back; `requested`: `--store memory`. */
  | { readonly kind: 'memory'; readonly reason: 'java-not-found' | 'requested' };

/** What {@link startStore} started: DynamoDB Local, unless the store is in memory. */
export interface StartedStore {
  readonly store: StoreInfo;
  readonly dynamo?: DynamoDbLocal;
}

/**
 * Starts DynamoDB Local unless `option` is `memory`; with `auto`, a missing java means the
 * in-process store instead.
 * @throws Error from the launcher (java missing with `dynamodb-local`, no jdk.compiler, a
 *   taken port, ...), for local/services.ts to explain.
 */
export async function startStore(option: StoreOption, dynamoDbPort: number): Promise<StartedStore> {
  if (option === 'memory') return { store: { kind: 'memory', reason: 'requested' } };
  try {
    const dynamo = await startDynamoDbLocal(dynamoDbPort === 0 ? {} : { port: dynamoDbPort });
    return { store: { kind: 'dynamodb-local' }, dynamo };
  } catch (error) {
    if (option === 'auto' && isJavaMissing(error)) {
      return { store: { kind: 'memory', reason: 'java-not-found' } };
    }
    throw error;
  }
}

/**
 * Whether a DynamoDB Local startup error says there is no java at all (the launcher's
 * `java not found (...)`, which also says what to install).
 */
export function isJavaMissing(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('java not found');
}

/** The stores the reader and the refresher share. */
export interface LocalStores {
  readonly store: TokenStore;
  readonly state: StateStore;
  /** Releases the DynamoDB client, if any; stopping DynamoDB Local is its starter's business. */
  close(): void;
}

/**
 * The token and state stores on `dynamo`'s table `tableName` (created here), or in this
 * process when there is no DynamoDB Local.
 */
export async function openStores(
  dynamo: DynamoDbLocal | undefined,
  tableName: string,
  onMalformedItem: (credential: string, problem: string) => void,
): Promise<LocalStores> {
  if (dynamo === undefined) {
    return { store: new MemoryTokenStore(), state: new MemoryStateStore(), close: () => undefined };
  }
  const client = createPrivateDynamoDbClient(dynamo.endpoint);
  try {
    await createTokenTable(client, tableName);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    store: new DynamoDbTokenStore({ client, tableName, onMalformedItem }),
    state: new DynamoDbStateStore({ client, tableName }),
    close: () => client.destroy(),
  };
}

/**
 * A client with an access key id made up for this run. DynamoDB Local listens on
 * 127.0.0.1 only (local/dynamodb-local.ts) and keeps one database per access key id and
 * region: another program on this machine, not knowing the id, sees no table and no token.
 */
function createPrivateDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_DYNAMODB_REGION,
    // DynamoDB Local accepts letters and digits only; its secret key is not checked.
    credentials: { accessKeyId: randomBytes(10).toString('hex').toUpperCase(), secretAccessKey: 'local' },
  });
}
