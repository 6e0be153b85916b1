/**
 * The reader's adapters honour its deadline (issue #11, item 9): against a DynamoDB or
 * Lambda endpoint on 127.0.0.1 that accepts connections and never answers, with the
 * handlers' real client settings (5 s request timeout, the SDK's 3 attempts: up to ~20 s),
 * an aborted signal ends the call at once and no retry follows it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AWS_CLIENT_CONFIG } from '../../../../lambda/adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../../../../lambda/adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../../../../lambda/adapters/dynamodb-token-store.js';
import { LambdaRefreshTrigger } from '../../../../lambda/adapters/lambda-refresh-trigger.js';

describe('Reader adapters: deadline', () => {
  let server: Server;
  let endpoint: string;
  let connections: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts, reads, never answers: a hung DynamoDB.
    server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    connections = 0;
  });

  const config = () => ({
    ...AWS_CLIENT_CONFIG,
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
  });

  /** Runs `call` with a signal aborted after 300 ms; resolves with what it threw and how long it took. */
  async function abortedAfter300ms(call: (signal: AbortSignal) => Promise<unknown>) {
    const started = Date.now();
    const error = await call(AbortSignal.timeout(300)).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    // Long enough for a retry to have connected, were there one.
    await new Promise((resolve) => setTimeout(resolve, 700));
    return { error, elapsed };
  }

  it('DynamoDbTokenStore.get gives up when the signal aborts, without a retry', async () => {
    const store = new DynamoDbTokenStore({ client: new DynamoDBClient(config()), tableName: 'tokens' });
    const { error, elapsed } = await abortedAfter300ms((signal) => store.get('sandbox', { signal }));
    expect(error).toMatchObject({ name: 'TokenStoreError', credential: 'sandbox' });
    expect(elapsed).toBeLessThan(1_000);
    expect(connections).toBe(1);
  });

  it('DynamoDbStateStore.get and claimRefreshRequest give up when the signal aborts', async () => {
    const state = new DynamoDbStateStore({ client: new DynamoDBClient(config()), tableName: 'tokens' });
    const read = await abortedAfter300ms((signal) => state.get('sandbox', { signal }));
    const claim = await abortedAfter300ms((signal) =>
      state.claimRefreshRequest('sandbox', 100, 40, { signal }),
    );
    for (const { error, elapsed } of [read, claim]) {
      expect(error).toMatchObject({ name: 'TokenStoreError' });
      expect(elapsed).toBeLessThan(1_000);
    }
    expect(connections).toBe(2);
  });

  it('LambdaRefreshTrigger.trigger gives up when the signal aborts', async () => {
    const trigger = new LambdaRefreshTrigger({
      client: new LambdaClient(config()),
      functionName: 'refresher-fn',
    });
    const { error, elapsed } = await abortedAfter300ms((signal) =>
      trigger.trigger('sandbox', 'read-miss', { signal }),
    );
    expect(error).toMatchObject({ name: 'RefreshTriggerError' });
    expect(elapsed).toBeLessThan(1_000);
    expect(connections).toBe(1);
  });
});
