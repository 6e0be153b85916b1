import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { STORED_ITEM_CLOCK_SKEW_SECONDS } from '../../contract/index.js';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { TokenStoreError } from '../../lambda/core/errors.js';
import type { StoredToken } from '../../lambda/core/ports.js';
import { mayReplace } from '../../lambda/core/token-rules.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { describeTokenStoreContract } from '../support/store-contract.js';

/**
 * A send time a minute ago: the write condition judges a stored item against the writer's
 * clock (expired, fetched in the future), so the fixtures live in the present.
 */
const FETCHED_AT = Math.floor(Date.now() / 1000) - 60;

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

  // The write rule's cases, shared with the in-process store (test/unit/lambda/adapters).
  describeTokenStoreContract(async () => (await freshStore()).store);

  describe('Method: put', () => {
    it('writes an item that get reads back, with ttl set and scope kept', async () => {
      // Prepare
      const { store, tableName } = await freshStore();
      const written = token(FETCHED_AT, { scope: 'a55/read' });

      // Act
      const result = await store.put(written);

      // Assess
      expect(result).toEqual({ result: 'written' });
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
      expect(result).toEqual({ result: 'written' });
      expect((await store.get('sandbox'))?.fetchedAt).toBe(FETCHED_AT);
    });

    /** Writes `item` as it is, bypassing the store's marshalling and condition. */
    async function seed(tableName: string, item: Record<string, AttributeValue>): Promise<void> {
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: { credential: { S: 'sandbox' }, ...item } }),
      );
    }
    const now = () => Date.now() / 1000;

    it.each([
      ['no accessToken', { accessToken: undefined }],
      ['an empty accessToken', { accessToken: { S: '' } }],
      ['a numeric accessToken', { accessToken: { N: '1' } }],
      ['a tokenType other than Bearer', { tokenType: { S: 'mac' } }],
      ['no tokenType', { tokenType: undefined }],
      ['a numeric scope', { scope: { N: '1' } }],
      ['a string expiresAt', { expiresAt: { S: 'soon' } }],
    ])('replaces a recent item with %s, which readers cannot serve', async (_case, override) => {
      // Prepare
      const { store, tableName } = await freshStore();
      const at = Math.floor(now());
      const item: Record<string, AttributeValue | undefined> = {
        accessToken: { S: 'malformed' },
        tokenType: { S: 'Bearer' },
        fetchedAt: { N: String(at + 10) },
        expiresAt: { N: String(at + 3_600) },
        ...override,
      };
      await seed(
        tableName,
        Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as Record<
          string,
          AttributeValue
        >,
      );

      // Act
      const result = await store.put(token(FETCHED_AT), at * 1000);

      // Assess
      expect(result).toEqual({ result: 'written' });
    });

    describe('ordering by when the secret was read', () => {
      const at = Math.floor(Date.now() / 1000) - 100;

      it('agrees with the core rule (mayReplace) on every case of a matrix', async () => {
        // Prepare: stored and incoming items over the cases the condition distinguishes.
        const nowS = at + 50;
        const storedCases: Array<Partial<StoredToken>> = [
          { fetchedAt: at + 10, expiresAt: at + 3_600 },
          { fetchedAt: at + 10, expiresAt: at + 3_600, secretReadAt: at + 9 },
          { fetchedAt: at + 10, expiresAt: nowS },
          { fetchedAt: nowS + STORED_ITEM_CLOCK_SKEW_SECONDS + 1, expiresAt: at + 9_000 },
          {
            fetchedAt: at + 10,
            expiresAt: at + 3_600,
            secretReadAt: nowS + STORED_ITEM_CLOCK_SKEW_SECONDS + 1,
          },
        ];
        const incomingCases: Array<Partial<StoredToken>> = [
          { fetchedAt: at + 5 },
          { fetchedAt: at + 10 },
          { fetchedAt: at + 20 },
          { fetchedAt: at + 20, secretReadAt: at + 8 },
          { fetchedAt: at + 10, secretReadAt: at + 9 },
          { fetchedAt: at + 11, secretReadAt: at + 9 },
          { fetchedAt: at + 5, secretReadAt: at + 9.5 },
        ];
        const expected: boolean[] = [];
        const actual: boolean[] = [];

        // Act
        for (const stored of storedCases) {
          for (const incoming of incomingCases) {
            const { store } = await freshStore();
            const old = token(at, stored);
            const next = token(at, { ...incoming, expiresAt: at + 3_600, accessToken: 'next' });
            await store.put(old, 0);
            expected.push(mayReplace(old, next, nowS));
            actual.push((await store.put(next, nowS * 1000)).result === 'written');
          }
        }

        // Assess
        expect(actual).toEqual(expected);
        expect(new Set(expected)).toEqual(new Set([true, false]));
      });
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
