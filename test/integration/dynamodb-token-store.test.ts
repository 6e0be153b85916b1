import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { TokenStoreError } from '../../lambda/core/errors.js';
import type { StoredToken } from '../../lambda/core/ports.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';

const FETCHED_AT = 1_800_000_000;

function token(fetchedAt: number, overrides: Partial<StoredToken> = {}): StoredToken {
  return {
    credential: 'sandbox',
    accessToken: `token-fetched-at-${fetchedAt}`,
    tokenType: 'Bearer',
    expiresAt: fetchedAt + 3600,
    fetchedAt,
    ...overrides,
  };
}

describe('Class: DynamoDbTokenStore (DynamoDB Local)', () => {
  const dynamo = useDynamoDbLocal();
  let client: DynamoDBClient;

  beforeAll(() => {
    client = dynamo.client;
  });

  /** A store on a fresh table, so tests sharing this DynamoDB Local stay independent. */
  async function freshStore(): Promise<{ store: DynamoDbTokenStore; tableName: string }> {
    const tableName = await dynamo.createTable();
    return { store: new DynamoDbTokenStore({ client, tableName, consistentRead: true }), tableName };
  }

  describe('Method: put', () => {
    it('writes an item that get reads back, with ttl set and scope kept', async () => {
      // Prepare
      const { store, tableName } = await freshStore();
      const written = token(FETCHED_AT, { scope: 'a55/read' });

      // Act
      const result = await store.put(written);

      // Assess
      expect(result).toBe('written');
      expect(await store.get('sandbox')).toStrictEqual(written);
      const raw = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { credential: { S: 'sandbox' } },
          ConsistentRead: true,
        }),
      );
      expect(raw.Item?.ttl).toEqual({ N: String(FETCHED_AT + 3600 + 86_400) });
    });

    it('does not overwrite a newer token with an older one', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT));

      // Act
      const result = await store.put(token(FETCHED_AT - 1));

      // Assess
      expect(result).toBe('superseded');
      expect((await store.get('sandbox'))?.accessToken).toBe(`token-fetched-at-${FETCHED_AT}`);
    });

    it('does not overwrite a token fetched at the same second', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT));

      // Act
      const result = await store.put(token(FETCHED_AT, { accessToken: 'same-second-other-token' }));

      // Assess
      expect(result).toBe('superseded');
      expect((await store.get('sandbox'))?.accessToken).toBe(`token-fetched-at-${FETCHED_AT}`);
    });

    it('overwrites an older token with a newer one, dropping a scope the newer one lacks', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT, { scope: 'a55/read' }));

      // Act
      const result = await store.put(token(FETCHED_AT + 3000));

      // Assess
      expect(result).toBe('written');
      expect(await store.get('sandbox')).toStrictEqual(token(FETCHED_AT + 3000));
    });

    it('keeps the token with the highest fetchedAt when 20 writes race', async () => {
      // Prepare
      const { store } = await freshStore();
      const fetchedAts = Array.from({ length: 20 }, () => FETCHED_AT + Math.floor(Math.random() * 100_000));
      const newest = Math.max(...fetchedAts);

      // Act
      const results = await Promise.all(fetchedAts.map((fetchedAt) => store.put(token(fetchedAt))));

      // Assess
      expect((await store.get('sandbox'))?.fetchedAt).toBe(newest);
      // Random values may repeat: exactly one write of the newest value wins, duplicates are superseded.
      const newestWrites = fetchedAts.filter(
        (fetchedAt, i) => fetchedAt === newest && results[i] === 'written',
      );
      expect(newestWrites).toHaveLength(1);
    });

    it('replaces an item whose fetchedAt is missing, so a hand-edited item cannot block refreshes', async () => {
      // Prepare
      const { store, tableName } = await freshStore();
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { credential: { S: 'sandbox' }, accessToken: { S: 'x' } },
        }),
      );
      expect(await store.get('sandbox')).toBeUndefined();

      // Act
      const result = await store.put(token(FETCHED_AT));

      // Assess
      expect(result).toBe('written');
      expect((await store.get('sandbox'))?.fetchedAt).toBe(FETCHED_AT);
    });

    it('throws a non-retryable TokenStoreError naming the table when it does not exist', async () => {
      // Prepare
      const store = new DynamoDbTokenStore({ client, tableName: 'no-such-table' });

      // Act
      const error = await store.put(token(FETCHED_AT)).catch((rejection: unknown) => rejection);

      // Assess
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ retryable: false, credential: 'sandbox' });
      expect((error as Error).message).toContain('ResourceNotFoundException');
      expect((error as Error).message).toContain('table no-such-table does not exist');
      expect((error as Error).message).not.toContain('token-fetched-at');
    });
  });

  describe('Method: get', () => {
    it('returns undefined for a credential that has no item', async () => {
      // Prepare
      const { store } = await freshStore();

      // Act
      const result = await store.get('production');

      // Assess
      expect(result).toBeUndefined();
    });

    it('returns an expired item as it is (the caller checks expiresAt)', async () => {
      // Prepare
      const { store } = await freshStore();
      const expired = token(1_000_000_000);
      await store.put(expired);

      // Act
      const result = await store.get('sandbox');

      // Assess
      expect(result).toStrictEqual(expired);
    });
  });
});

describe('Function: startDynamoDbLocal', () => {
  it('fails with a clear error when a fixed port is already in use', async () => {
    // Prepare
    // Drops connections at once, so readiness probes fail fast until java gives up.
    const blocker = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;

    try {
      // Act
      const outcome = startDynamoDbLocal({ port });

      // Assess
      await expect(outcome).rejects.toThrow(
        `DynamoDB Local could not listen on port ${port}: it is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it('fails with a clear error when java is missing', async () => {
    // Act
    const outcome = startDynamoDbLocal({ java: '/nonexistent/bin/java' });

    // Assess
    await expect(outcome).rejects.toThrow(
      /java not found \(no \/nonexistent\/bin\/java\): DynamoDB Local needs a Java 17\+/,
    );
  });

  it('fails at once, quoting the output, when the process exits before it is ready', async () => {
    // Prepare: a "java" that exits at once.
    const started = Date.now();

    // Act
    const outcome = startDynamoDbLocal({ java: '/bin/false' });

    // Assess
    await expect(outcome).rejects.toThrow(
      /DynamoDB Local exited \(code 1, signal null\) before it was ready/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
