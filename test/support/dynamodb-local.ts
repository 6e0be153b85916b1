/**
 * One DynamoDB Local per test file (or describe block), started and stopped by vitest
 * hooks the fixture registers itself, so the suites stop repeating the same boot block.
 *
 * @example
 * ```ts
 * describe('...', () => {
 *   const dynamo = useDynamoDbLocal();
 *   it('...', async () => {
 *     const table = await dynamo.createTable();
 *     const store = new DynamoDbTokenStore({ client: dynamo.client, tableName: table });
 *   });
 * });
 * ```
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createTokenTable, type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createLocalDynamoDbClient } from '../../tools/dynamodb-local-client.js';

/** What {@link useDynamoDbLocal} gives a suite; read it in hooks and tests, once its beforeAll has run. */
export interface DynamoDbLocalFixture {
  /** `http://127.0.0.1:PORT`, e.g. for `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  /** A client with the credentials vitest.config.ts puts in the environment (see tools/dynamodb-local-client.ts). */
  readonly client: DynamoDBClient;
  /**
   * Creates a token table (as the CDK stack defines it) under a name no other test in
   * this process uses, and returns the name: tests sharing one DynamoDB Local stay
   * independent.
   * @param prefix start of the table name. @default 'tokens'
   */
  createTable(prefix?: string): Promise<string>;
}

/**
 * Registers a `beforeAll` that starts DynamoDB Local (and a client for it) and an
 * `afterAll` that destroys the client and stops java, in the describe block (or file) it
 * is called in. Call it before the suite's own hooks: they then run after the start and
 * before the stop. The hooks keep the configured hookTimeout (vitest.config.ts, 120 s),
 * as the boot blocks this replaces did: a cold java start takes a few seconds.
 */
export function useDynamoDbLocal(): DynamoDbLocalFixture {
  let started: { local: DynamoDbLocal; client: DynamoDBClient } | undefined;
  const get = () => {
    if (!started) throw new Error('DynamoDB Local is not running: use the fixture in hooks and tests only');
    return started;
  };

  beforeAll(async () => {
    const local = await startDynamoDbLocal();
    started = { local, client: createLocalDynamoDbClient(local.endpoint) };
  });

  afterAll(async () => {
    // Cleared first, so a late use fails clearly instead of reaching a stopped server.
    const running = started;
    started = undefined;
    running?.client.destroy();
    await running?.local.stop();
  });

  return {
    get endpoint() {
      return get().local.endpoint;
    },
    get client() {
      return get().client;
    },
    async createTable(prefix = 'tokens') {
      const tableName = uniqueTableName(prefix);
      await createTokenTable(get().client, tableName);
      return tableName;
    },
  };
}

let tableCounter = 0;

/** A table name no other test in this process uses. */
function uniqueTableName(prefix: string): string {
  tableCounter += 1;
  return `${prefix}-${process.pid}-${tableCounter}-${Math.random().toString(36).slice(2, 8)}`;
}
