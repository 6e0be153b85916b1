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

    it('does not overwrite a newer token with an older one', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT));

      // Act
      const result = await store.put(token(FETCHED_AT - 1));

      // Assess
      expect(result).toEqual({ result: 'superseded', kept: token(FETCHED_AT) });
      expect((await store.get('sandbox'))?.accessToken).toBe(`token-fetched-at-${FETCHED_AT}`);
    });

    it('does not overwrite a token fetched at the same second', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT));

      // Act
      const result = await store.put(token(FETCHED_AT, { accessToken: 'same-second-other-token' }));

      // Assess
      expect(result).toEqual({ result: 'superseded', kept: token(FETCHED_AT) });
      expect((await store.get('sandbox'))?.accessToken).toBe(`token-fetched-at-${FETCHED_AT}`);
    });

    it('overwrites an older token with a newer one, dropping a scope the newer one lacks', async () => {
      // Prepare
      const { store } = await freshStore();
      await store.put(token(FETCHED_AT, { scope: 'a55/read' }));

      // Act
      const result = await store.put(token(FETCHED_AT + 3000));

      // Assess
      expect(result).toEqual({ result: 'written' });
      expect(await store.get('sandbox')).toStrictEqual(token(FETCHED_AT + 3000));
    });

    it('keeps the token with the highest fetchedAt when 20 writes race', async () => {
      // Prepare
      const { store } = await freshStore();
      const fetchedAts = Array.from({ length: 20 }, () => FETCHED_AT - Math.floor(Math.random() * 3_000));
      const newest = Math.max(...fetchedAts);

      // Act
      const results = await Promise.all(fetchedAts.map((fetchedAt) => store.put(token(fetchedAt))));

      // Assess
      expect((await store.get('sandbox'))?.fetchedAt).toBe(newest);
      // Random values may repeat: exactly one write of the newest value wins, duplicates are superseded.
      const newestWrites = fetchedAts.filter(
        (fetchedAt, i) => fetchedAt === newest && results[i]?.result === 'written',
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
      ['fetched an hour in the future', { fetchedAt: 3_600, expiresAt: 7_200 }],
      ['fetched a year in the future', { fetchedAt: 365 * 86_400, expiresAt: 366 * 86_400 }],
      ['with a secret read an hour in the future', { fetchedAt: 0, expiresAt: 3_600, secretReadAt: 3_600 }],
      ['expired a second ago, though fetched later than the new token', { fetchedAt: 10, expiresAt: -1 }],
      ['expiring this very second', { fetchedAt: 10, expiresAt: 0 }],
    ])('replaces an item %s: it cannot be right and would block every refresh', async (_case, offsets) => {
      // Prepare
      const { store, tableName } = await freshStore();
      const at = Math.floor(now());
      await seed(tableName, {
        accessToken: { S: 'stuck' },
        tokenType: { S: 'Bearer' },
        fetchedAt: { N: String(at + offsets.fetchedAt) },
        expiresAt: { N: String(at + offsets.expiresAt) },
        ...('secretReadAt' in offsets ? { secretReadAt: { N: String(at + offsets.secretReadAt) } } : {}),
      });

      // Act
      const result = await store.put(token(FETCHED_AT), at * 1000);

      // Assess
      expect(result).toEqual({ result: 'written' });
      expect((await store.get('sandbox'))?.accessToken).toBe(`token-fetched-at-${FETCHED_AT}`);
    });

    it(`keeps a newer item fetched up to ${STORED_ITEM_CLOCK_SKEW_SECONDS} s ahead (clock skew), and answers it`, async () => {
      // Prepare
      const { store } = await freshStore();
      const at = Math.floor(now());
      const ahead = token(at + STORED_ITEM_CLOCK_SKEW_SECONDS, {
        secretReadAt: at + STORED_ITEM_CLOCK_SKEW_SECONDS,
      });
      await store.put(ahead, at * 1000);

      // Act
      const result = await store.put(token(at, { secretReadAt: at }), at * 1000);

      // Assess
      expect(result).toEqual({ result: 'superseded', kept: ahead });
    });

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

      it('never lets a token from an earlier secret read overwrite one from a later read, though sent later', async () => {
        // Prepare
        const { store } = await freshStore();
        const rotated = token(at + 2, { secretReadAt: at + 1, accessToken: 'from-the-rotated-secret' });
        await store.put(rotated);

        // Act: read the secret before the rotation, sent (after a 429) well after.
        const result = await store.put(
          token(at + 30, { secretReadAt: at, accessToken: 'from-the-old-secret' }),
        );

        // Assess
        expect(result).toEqual({ result: 'superseded', kept: rotated });
        expect((await store.get('sandbox'))?.accessToken).toBe('from-the-rotated-secret');
      });

      it('lets a later secret read win though its request was sent earlier', async () => {
        const { store } = await freshStore();
        await store.put(token(at + 30, { secretReadAt: at }));
        const result = await store.put(token(at + 5, { secretReadAt: at + 1 }));
        expect(result).toEqual({ result: 'written' });
        expect((await store.get('sandbox'))?.secretReadAt).toBe(at + 1);
      });

      it('breaks a tie on the secret read by the send time', async () => {
        const { store } = await freshStore();
        await store.put(token(at + 1.5, { secretReadAt: at + 0.25 }));
        expect(await store.put(token(at + 1.25, { secretReadAt: at + 0.25 }))).toMatchObject({
          result: 'superseded',
        });
        expect(await store.put(token(at + 1.5, { secretReadAt: at + 0.25 }))).toMatchObject({
          result: 'superseded',
        });
        expect(await store.put(token(at + 1.75, { secretReadAt: at + 0.25 }))).toEqual({ result: 'written' });
      });

      it('orders against an item written without secretReadAt by the send time, as before', async () => {
        const { store } = await freshStore();
        await store.put(token(at + 10));
        expect(await store.put(token(at + 9, { secretReadAt: at + 9 }))).toMatchObject({
          result: 'superseded',
        });
        expect(await store.put(token(at + 11, { secretReadAt: at + 5 }))).toEqual({ result: 'written' });
      });

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
