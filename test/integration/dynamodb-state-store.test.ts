import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../lambda/adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { createLocalDynamoDbClient } from '../../tools/dynamodb-local-client.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { describeStateStoreContract } from '../support/store-contract.js';

describe('Class: DynamoDbStateStore (DynamoDB Local)', () => {
  const dynamo = useDynamoDbLocal();
  let state: DynamoDbStateStore;
  let tokens: DynamoDbTokenStore;
  let client: DynamoDBClient;
  let table: string;

  beforeAll(async () => {
    client = dynamo.client;
    table = await dynamo.createTable();
    state = new DynamoDbStateStore({ client, tableName: table });
    tokens = new DynamoDbTokenStore({ client, tableName: table, consistentRead: true });
  });

  // The cases shared with the in-process store (test/unit/lambda/adapters), each on its own table.
  describeStateStoreContract(
    async () => new DynamoDbStateStore({ client, tableName: await dynamo.createTable() }),
  );

  it('answers an empty state when nothing was recorded', async () => {
    expect(await state.get('fresh')).toEqual({});
  });

  it('records failures and successes in the <name>#state item, leaving the token item alone', async () => {
    // Prepare
    const token = {
      credential: 'a',
      accessToken: 'tok',
      tokenType: 'Bearer' as const,
      expiresAt: 2_000_000_000,
      fetchedAt: 1_900_000_000,
    };
    await tokens.put(token);

    // Act
    await state.recordFailure('a', {
      name: 'TokenRequestRejected',
      code: 'invalid_client',
      message: 'rejected',
      at: 100,
    });
    await state.recordSuccess('a', 200);
    await state.recordFailure('a', { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 300 });

    // Assess
    expect(await state.get('a')).toEqual({
      lastFailure: { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 300 },
      lastSuccessAt: 200,
    });
    expect(await tokens.get('a')).toEqual(token);
    const raw = await client.send(
      new GetItemCommand({ TableName: table, Key: { credential: { S: 'a#state' } } }),
    );
    expect(raw.Item?.lastErrorCode).toBeUndefined();
  });

  it('records whether the last failure is retryable, and forgets it with a failure that does not say', async () => {
    // Act
    await state.recordFailure('r', {
      name: 'TokenRequestRejected',
      code: 'invalid_client',
      message: 'rejected',
      at: 100,
      retryable: false,
    });
    const refused = await state.get('r');
    const raw = await client.send(
      new GetItemCommand({ TableName: table, Key: { credential: { S: 'r#state' } } }),
    );
    await state.recordFailure('r', {
      name: 'TokenEndpointUnavailable',
      message: 'HTTP 503',
      at: 200,
      retryable: true,
    });
    const unavailable = await state.get('r');
    await state.recordFailure('r', { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 300 });

    // Assess
    expect(refused.lastFailure).toEqual({
      name: 'TokenRequestRejected',
      code: 'invalid_client',
      message: 'rejected',
      at: 100,
      retryable: false,
    });
    expect(raw.Item?.lastErrorRetryable).toEqual({ BOOL: false });
    expect(unavailable.lastFailure?.retryable).toBe(true);
    expect((await state.get('r')).lastFailure).not.toHaveProperty('retryable');
  });

  it('lets exactly one of many concurrent claims through per interval', async () => {
    const claims = await Promise.all(
      Array.from({ length: 25 }, () => state.claimRefreshRequest('b', 1_000, 940)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await state.claimRefreshRequest('b', 1_059, 999)).toBe(false);
    expect(await state.claimRefreshRequest('b', 1_061, 1_001)).toBe(true);
    expect((await state.get('b')).refreshRequestedAt).toBe(1_061);
  });

  it('keeps the retry chain when DynamoDB applied a lease write and its answer was lost (the SDK resends it)', async () => {
    // Prepare: a client whose next UpdateItem answer is lost after DynamoDB applied it (a
    // reset socket): the SDK's retry strategy sends the same request again.
    const lossy = createLocalDynamoDbClient(dynamo.endpoint);
    let loseNext = false;
    let lost = 0;
    lossy.middlewareStack.add(
      (next) => async (args) => {
        const output = await next(args);
        if (!loseNext) return output;
        loseNext = false;
        lost += 1;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
      },
      { step: 'deserialize', name: 'loseOneAnswer', priority: 'low' },
    );
    const store = new DynamoDbStateStore({ client: lossy, tableName: await dynamo.createTable() });
    const lose = <T>(call: () => Promise<T>) => {
      loseNext = true;
      return call();
    };

    try {
      // Act / Assess: a new chain's claim, a delivery's hold, the run's claim of the next retry
      expect(
        await lose(() =>
          store.claimRetry('l', { attempt: 1, dueAt: 50 }, { staleBeforeSeconds: 0, owner: 'c-1' }),
        ),
      ).toBe(true);
      expect(
        await lose(() =>
          store.startRetry(
            'l',
            { attempt: 1, dueAt: 50 },
            { atSeconds: 50, untilSeconds: 110, owner: 'r-1' },
          ),
        ),
      ).toBe(true);
      expect((await store.get('l')).pendingRetry).toEqual({ attempt: 1, dueAt: 50, runUntil: 110 });
      expect(
        await lose(() =>
          store.claimRetry(
            'l',
            { attempt: 2, dueAt: 80 },
            { heldDueAt: 50, staleBeforeSeconds: 0, owner: 'c-2' },
          ),
        ),
      ).toBe(true);
      expect(lost).toBe(3);
      expect((await store.get('l')).pendingRetry).toEqual({ attempt: 2, dueAt: 80 });
      // A second delivery, with its own owner, is still refused
      expect(
        await lose(() =>
          store.startRetry(
            'l',
            { attempt: 2, dueAt: 80 },
            { atSeconds: 80, untilSeconds: 140, owner: 'r-2' },
          ),
        ),
      ).toBe(true);
      expect(
        await store.startRetry(
          'l',
          { attempt: 2, dueAt: 80 },
          { atSeconds: 80, untilSeconds: 140, owner: 'r-3' },
        ),
      ).toBe(false);
    } finally {
      lossy.destroy();
    }
  });

  it('a state item is never mistaken for a token', async () => {
    await state.recordSuccess('c', 10);
    expect(await tokens.get('c')).toBeUndefined();
  });
});
