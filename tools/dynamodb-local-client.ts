/**
 * The DynamoDB client the tests and the benchmarks point at DynamoDB Local. It lives in
 * tools/ (dev tooling, never shipped) because both use it and bench/ must not import test
 * files; the local broker itself uses a client with an access key id of its own
 * (local/local-stores.ts), so its table stays out of sight of this one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_DYNAMODB_REGION } from '../local/dynamodb-local.js';

/**
 * The credentials vitest.config.ts and the benchmark worker put in the environment.
 * DynamoDB Local keeps one database per access key and region, so this client sees the
 * tables a bundled handler reading those variables sees.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/**
 * A DynamoDB client for a local endpoint: region us-east-1, dummy credentials `test`/`test`.
 * Retries are left at the SDK default so tests see the same behaviour as Lambda.
 */
export function createLocalDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_DYNAMODB_REGION, credentials: LOCAL_CREDENTIALS });
}
