/**
 * The token and state stores' contract as one table of cases, run against every adapter:
 * DynamoDB (test/integration/dynamodb-*-store.test.ts, on DynamoDB Local) and the
 * in-process stores (test/unit/lambda/adapters/memory-*-store.test.ts). Each write case
 * also holds its expected outcome to core `mayReplace`, so the table cannot drift from
 * the rule it exercises.
 */
import { describe, expect, it } from 'vitest';
import { STORED_ITEM_CLOCK_SKEW_SECONDS } from '../../contract/index.js';
import { TokenStoreError } from '../../lambda/core/errors.js';
import {
  RECORDED_MESSAGE_MAX_CHARS,
  type StateStore,
  type StoredToken,
  type TokenStore,
} from '../../lambda/core/ports.js';
import { mayReplace } from '../../lambda/core/token-rules.js';

/**
 * The writer's clock in every case, a little in the past: stores judge items against the
 * `nowMs` they are given, never their own clock. Whole seconds, so offsets stay exact.
 */
const AT = Math.floor(Date.now() / 1000) - 100;

/** Times of a token as seconds after {@link AT}. */
interface Offsets {
  readonly fetchedAt: number;
  /** @default fetchedAt + 3600 */
  readonly expiresAt?: number;
  readonly secretReadAt?: number;
  readonly scope?: string;
  readonly accessToken?: string;
}

/** A stored token whose times are `offsets` after {@link AT}. */
export function tokenAt(offsets: Offsets): StoredToken {
  const { fetchedAt, expiresAt = fetchedAt + 3600, secretReadAt, scope, accessToken } = offsets;
  return {
    credential: 'sandbox',
    accessToken: accessToken ?? `token-fetched-at-${fetchedAt}`,
    tokenType: 'Bearer',
    expiresAt: AT + expiresAt,
    fetchedAt: AT + fetchedAt,
    ...(secretReadAt === undefined ? {} : { secretReadAt: AT + secretReadAt }),
    ...(scope === undefined ? {} : { scope }),
  };
}

/** One conditional write: what is stored, what comes in, and what the put answers. */
export interface PutCase {
  readonly name: string;
  readonly stored: Offsets;
  readonly incoming: Offsets;
  readonly result: 'written' | 'superseded';
}

const SKEW = STORED_ITEM_CLOCK_SKEW_SECONDS;

/** The write rule's cases (docs/design.md, Write condition), judged at {@link AT}. */
export const PUT_CASES: readonly PutCase[] = [
  // Order by send time (items without secretReadAt).
  {
    name: 'an older token does not overwrite a newer one',
    stored: { fetchedAt: -60 },
    incoming: { fetchedAt: -61 },
    result: 'superseded',
  },
  {
    name: 'a token sent the same second does not overwrite',
    stored: { fetchedAt: -60 },
    incoming: { fetchedAt: -60, accessToken: 'same-second-other-token' },
    result: 'superseded',
  },
  {
    name: 'a newer token overwrites an older one',
    stored: { fetchedAt: -60, scope: 'a55/read' },
    incoming: { fetchedAt: -30 },
    result: 'written',
  },
  // Items that cannot be right are replaced, however they compare.
  {
    name: 'an item fetched an hour in the future is replaced',
    stored: { fetchedAt: 3_600 },
    incoming: { fetchedAt: -60 },
    result: 'written',
  },
  {
    name: 'an item fetched a year in the future is replaced',
    stored: { fetchedAt: 365 * 86_400 },
    incoming: { fetchedAt: -60 },
    result: 'written',
  },
  {
    name: 'an item whose secret was read an hour in the future is replaced',
    stored: { fetchedAt: 0, secretReadAt: 3_600 },
    incoming: { fetchedAt: -60 },
    result: 'written',
  },
  {
    name: 'an item expired a second ago is replaced, though fetched later',
    stored: { fetchedAt: 10, expiresAt: -1 },
    incoming: { fetchedAt: -60 },
    result: 'written',
  },
  {
    name: 'an item expiring this very second is replaced',
    stored: { fetchedAt: 10, expiresAt: 0 },
    incoming: { fetchedAt: -60 },
    result: 'written',
  },
  {
    name: `a newer item up to ${SKEW} s ahead (clock skew) is kept`,
    stored: { fetchedAt: SKEW, secretReadAt: SKEW },
    incoming: { fetchedAt: 0, secretReadAt: 0 },
    result: 'superseded',
  },
  {
    name: `an item ${SKEW + 1} s ahead is replaced`,
    stored: { fetchedAt: SKEW + 1, secretReadAt: 0 },
    incoming: { fetchedAt: 0, secretReadAt: 0 },
    result: 'written',
  },
  // Order by when the secret was read, then by send time.
  {
    name: 'a token from an earlier secret read never overwrites one from a later read, though sent later',
    stored: { fetchedAt: 2, secretReadAt: 1, accessToken: 'from-the-rotated-secret' },
    incoming: { fetchedAt: 30, secretReadAt: 0, accessToken: 'from-the-old-secret' },
    result: 'superseded',
  },
  {
    name: 'a later secret read wins though its request was sent earlier',
    stored: { fetchedAt: 30, secretReadAt: 0 },
    incoming: { fetchedAt: 5, secretReadAt: 1 },
    result: 'written',
  },
  {
    name: 'a tie on the secret read: an earlier send loses',
    stored: { fetchedAt: 1.5, secretReadAt: 0.25 },
    incoming: { fetchedAt: 1.25, secretReadAt: 0.25 },
    result: 'superseded',
  },
  {
    name: 'a tie on the secret read: the same send is not rewritten',
    stored: { fetchedAt: 1.5, secretReadAt: 0.25 },
    incoming: { fetchedAt: 1.5, secretReadAt: 0.25 },
    result: 'superseded',
  },
  {
    name: 'a tie on the secret read: a later send wins',
    stored: { fetchedAt: 1.5, secretReadAt: 0.25 },
    incoming: { fetchedAt: 1.75, secretReadAt: 0.25 },
    result: 'written',
  },
  {
    name: 'against an item without secretReadAt an earlier send loses, whatever its read',
    stored: { fetchedAt: 10 },
    incoming: { fetchedAt: 9, secretReadAt: 9 },
    result: 'superseded',
  },
  {
    name: 'against an item without secretReadAt a later send wins, whatever its read',
    stored: { fetchedAt: 10 },
    incoming: { fetchedAt: 11, secretReadAt: 5 },
    result: 'written',
  },
  {
    name: 'an incoming token without secretReadAt counts its send as its read (later: wins)',
    stored: { fetchedAt: 10, secretReadAt: 9 },
    incoming: { fetchedAt: 9.5 },
    result: 'written',
  },
  {
    name: 'an incoming token without secretReadAt counts its send as its read (earlier: loses)',
    stored: { fetchedAt: 10, secretReadAt: 9 },
    incoming: { fetchedAt: 8.5 },
    result: 'superseded',
  },
];

/**
 * The TokenStore contract. `freshStore` answers an empty store (its own table, for
 * DynamoDB) each time it is called.
 */
export function describeTokenStoreContract(freshStore: () => Promise<TokenStore>): void {
  describe('Contract: TokenStore (test/support/store-contract.ts)', () => {
    it.each(PUT_CASES.map((c) => [c.name, c] as const))(
      'put: %s',
      async (_name, { stored, incoming, result }) => {
        // Prepare
        const store = await freshStore();
        const old = tokenAt(stored);
        const next = tokenAt(incoming);
        expect(mayReplace(old, next, AT)).toBe(result === 'written');
        expect(await store.put(old, AT * 1000)).toEqual({ result: 'written' });

        // Act
        const outcome = await store.put(next, AT * 1000);

        // Assess: the item kept is answered, so the refresher reports the token callers get.
        expect(outcome).toEqual(result === 'written' ? { result } : { result, kept: old });
        expect(await store.get('sandbox')).toStrictEqual(result === 'written' ? next : old);
      },
    );

    it('put writes an item that get reads back as it was, scope included', async () => {
      const store = await freshStore();
      const token = tokenAt({ fetchedAt: -60, secretReadAt: -61, scope: 'a55/read' });
      expect(await store.put(token, AT * 1000)).toEqual({ result: 'written' });
      expect(await store.get('sandbox')).toStrictEqual(token);
    });

    it('put keeps the item with the highest fetchedAt when 20 writes race', async () => {
      // Prepare
      const store = await freshStore();
      const sends = Array.from({ length: 20 }, () => -Math.floor(Math.random() * 3_000));
      const newest = Math.max(...sends);

      // Act
      const results = await Promise.all(
        sends.map((fetchedAt) => store.put(tokenAt({ fetchedAt }), AT * 1000)),
      );

      // Assess: values may repeat; exactly one write of the newest wins.
      expect((await store.get('sandbox'))?.fetchedAt).toBe(AT + newest);
      const won = sends.filter((send, i) => send === newest && results[i]?.result === 'written');
      expect(won).toHaveLength(1);
    });

    it.each(['expiresAt', 'fetchedAt', 'secretReadAt'] as const)(
      'put refuses a token whose %s is not a finite number, keeping the stored item',
      async (field) => {
        const store = await freshStore();
        const kept = tokenAt({ fetchedAt: -60 });
        await store.put(kept, AT * 1000);
        const error = await store
          .put({ ...tokenAt({ fetchedAt: -30 }), [field]: Number.NaN }, AT * 1000)
          .catch((rejection: unknown) => rejection);
        expect(error).toBeInstanceOf(TokenStoreError);
        expect((error as Error).message).toContain(`${field} is not a finite number`);
        expect(await store.get('sandbox')).toStrictEqual(kept);
      },
    );

    it('get answers undefined for a set without an item, and an expired item as it is', async () => {
      const store = await freshStore();
      const expired = { ...tokenAt({ fetchedAt: -7_200 }), credential: 'production' };
      await store.put(expired, AT * 1000);
      expect(await store.get('sandbox')).toBeUndefined();
      expect(await store.get('production')).toStrictEqual(expired);
    });
  });
}

/** The StateStore contract; `freshStore` answers an empty store each time it is called. */
/** A new owner id per lease write, as the retry chain writes them (`RetryWrite.owner`). */
let owners = 0;
const owner = () => `owner-${++owners}`;

export function describeStateStoreContract(freshStore: () => Promise<StateStore>): void {
  describe('Contract: StateStore (test/support/store-contract.ts)', () => {
    it('get answers an empty state when nothing was recorded', async () => {
      expect(await (await freshStore()).get('fresh')).toEqual({});
    });

    it('records the last failure and the last success, each replacing its predecessor', async () => {
      // Prepare
      const state = await freshStore();

      // Act
      await state.recordFailure('a', {
        name: 'TokenRequestRejected',
        code: 'invalid_client',
        message: 'rejected',
        at: 100,
        retryable: false,
      });
      const refused = await state.get('a');
      await state.recordSuccess('a', 200);
      await state.recordFailure('a', {
        name: 'TokenEndpointUnavailable',
        message: 'HTTP 503',
        at: 300,
        retryable: true,
      });
      const unavailable = await state.get('a');
      await state.recordFailure('a', { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 400 });

      // Assess: a field the new failure does not carry described the earlier one.
      expect(refused).toEqual({
        lastFailure: {
          name: 'TokenRequestRejected',
          code: 'invalid_client',
          message: 'rejected',
          at: 100,
          retryable: false,
        },
      });
      expect(unavailable).toEqual({
        lastFailure: { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 300, retryable: true },
        lastSuccessAt: 200,
      });
      expect(await state.get('a')).toEqual({
        lastFailure: { name: 'TokenEndpointUnavailable', message: 'HTTP 503', at: 400 },
        lastSuccessAt: 200,
      });
      expect(await state.get('b')).toEqual({});
    });

    it(`keeps the first ${RECORDED_MESSAGE_MAX_CHARS} characters of a failure message`, async () => {
      const state = await freshStore();
      await state.recordFailure('a', {
        name: 'X',
        message: 'm'.repeat(RECORDED_MESSAGE_MAX_CHARS + 50),
        at: 1,
      });
      expect((await state.get('a')).lastFailure?.message).toBe('m'.repeat(RECORDED_MESSAGE_MAX_CHARS));
    });

    it('lets exactly one of many concurrent claims through per interval', async () => {
      const state = await freshStore();
      const claims = await Promise.all(
        Array.from({ length: 25 }, () => state.claimRefreshRequest('b', 1_000, 940)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await state.claimRefreshRequest('b', 1_059, 1_000)).toBe(false);
      expect(await state.claimRefreshRequest('b', 1_061, 1_001)).toBe(true);
      expect(await state.get('b')).toEqual({ refreshRequestedAt: 1_061 });
    });

    it('keeps a claim apart from the recorded outcome', async () => {
      const state = await freshStore();
      await state.recordSuccess('c', 10);
      expect(await state.claimRefreshRequest('c', 20, 0)).toBe(true);
      await state.recordSuccess('c', 30);
      expect(await state.get('c')).toEqual({ lastSuccessAt: 30, refreshRequestedAt: 20 });
    });

    it('lets exactly one of many concurrent failures start a retry chain (the lease)', async () => {
      // Prepare
      const state = await freshStore();

      // Act: 25 runs failing at once, none holding a lease
      const claims = await Promise.all(
        Array.from({ length: 25 }, (_, index) =>
          state.claimRetry(
            'r',
            { attempt: 1, dueAt: 1_015 + index },
            { staleBeforeSeconds: 880, owner: owner() },
          ),
        ),
      );

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      const { pendingRetry } = await state.get('r');
      expect(pendingRetry?.attempt).toBe(1);
      // Only the holder extends it; a stranger's claim fails while the lease is fresh.
      expect(
        await state.claimRetry(
          'r',
          { attempt: 2, dueAt: 1_100 },
          { staleBeforeSeconds: 900, owner: owner() },
        ),
      ).toBe(false);
      expect(
        await state.claimRetry(
          'r',
          { attempt: 2, dueAt: 1_100 },
          { heldDueAt: (pendingRetry?.dueAt ?? 0) + 1, staleBeforeSeconds: 900, owner: owner() },
        ),
      ).toBe(false);
      expect(
        await state.claimRetry(
          'r',
          { attempt: 2, dueAt: 1_100 },
          { heldDueAt: pendingRetry?.dueAt as number, staleBeforeSeconds: 900, owner: owner() },
        ),
      ).toBe(true);
      expect((await state.get('r')).pendingRetry).toEqual({ attempt: 2, dueAt: 1_100 });
      // A lease due before staleBefore is lost: anyone may take it over (one due at it is not).
      expect(
        await state.claimRetry(
          'r',
          { attempt: 1, dueAt: 1_300 },
          { staleBeforeSeconds: 1_100, owner: owner() },
        ),
      ).toBe(false);
      expect(
        await state.claimRetry(
          'r',
          { attempt: 1, dueAt: 1_300 },
          { staleBeforeSeconds: 1_101, owner: owner() },
        ),
      ).toBe(true);
      expect((await state.get('r')).pendingRetry).toEqual({ attempt: 1, dueAt: 1_300 });
    });

    it('ends the retry chain on a success and on a failure that is not retryable, not on a retryable one', async () => {
      // Prepare
      const state = await freshStore();
      const claim = (dueAt: number) =>
        state.claimRetry('e', { attempt: 1, dueAt }, { staleBeforeSeconds: 0, owner: owner() });
      const failure = (retryable: boolean) => ({ name: 'X', message: 'm', at: 5, retryable });

      // Act / Assess
      expect(await claim(10)).toBe(true);
      await state.recordFailure('e', failure(true));
      expect((await state.get('e')).pendingRetry).toEqual({ attempt: 1, dueAt: 10 });
      await state.recordFailure('e', failure(false));
      expect((await state.get('e')).pendingRetry).toBeUndefined();
      expect(await claim(20)).toBe(true);
      await state.recordSuccess('e', 30);
      expect((await state.get('e')).pendingRetry).toBeUndefined();
      expect(await claim(40)).toBe(true);
    });

    it('gives a retry lease back only while it is the one given (releaseRetry)', async () => {
      // Prepare
      const state = await freshStore();
      expect(
        await state.claimRetry('g', { attempt: 1, dueAt: 50 }, { staleBeforeSeconds: 0, owner: owner() }),
      ).toBe(true);

      // Act / Assess: another dueAt is another chain's lease: left alone
      await state.releaseRetry('g', 49);
      await state.releaseRetry('g', 51);
      expect((await state.get('g')).pendingRetry).toEqual({ attempt: 1, dueAt: 50 });
      await state.releaseRetry('g', 50);
      expect((await state.get('g')).pendingRetry).toBeUndefined();
      // Then a failure starts a chain at once, though the grace has not passed
      expect(
        await state.claimRetry('g', { attempt: 1, dueAt: 60 }, { staleBeforeSeconds: 0, owner: owner() }),
      ).toBe(true);
      // Releasing with no lease, or for a set never seen, changes nothing
      await state.releaseRetry('none', 60);
      expect(await state.get('none')).toEqual({});
      await state.recordSuccess('h', 5);
      await state.releaseRetry('h', 60);
      expect(await state.get('h')).toEqual({ lastSuccessAt: 5 });
    });

    it('gives one delivery of a retry its run; a duplicate waits out the hold (startRetry)', async () => {
      // Prepare
      const state = await freshStore();
      expect(
        await state.startRetry(
          's',
          { attempt: 3, dueAt: 50 },
          { atSeconds: 50, untilSeconds: 110, owner: owner() },
        ),
      ).toBe(false);
      expect(
        await state.claimRetry('s', { attempt: 3, dueAt: 50 }, { staleBeforeSeconds: 0, owner: owner() }),
      ).toBe(true);

      // Act: 25 deliveries of the message at once
      const starts = await Promise.all(
        Array.from({ length: 25 }, () =>
          state.startRetry(
            's',
            { attempt: 3, dueAt: 50 },
            { atSeconds: 50, untilSeconds: 110, owner: owner() },
          ),
        ),
      );

      // Assess
      expect(starts.filter(Boolean)).toHaveLength(1);
      expect((await state.get('s')).pendingRetry).toEqual({ attempt: 3, dueAt: 50, runUntil: 110 });
      // Another retry's ticket never takes this one's run
      expect(
        await state.startRetry(
          's',
          { attempt: 3, dueAt: 49 },
          { atSeconds: 200, untilSeconds: 260, owner: owner() },
        ),
      ).toBe(false);
      // Within the hold (its last second included) a redelivery does nothing; after it, it takes over
      expect(
        await state.startRetry(
          's',
          { attempt: 3, dueAt: 50 },
          { atSeconds: 110, untilSeconds: 170, owner: owner() },
        ),
      ).toBe(false);
      expect(
        await state.startRetry(
          's',
          { attempt: 3, dueAt: 50 },
          { atSeconds: 111, untilSeconds: 171, owner: owner() },
        ),
      ).toBe(true);
      expect((await state.get('s')).pendingRetry).toEqual({ attempt: 3, dueAt: 50, runUntil: 171 });
      // The run's next lease is a new one: no delivery holds it yet
      expect(
        await state.claimRetry(
          's',
          { attempt: 4, dueAt: 120 },
          { heldDueAt: 50, staleBeforeSeconds: 0, owner: owner() },
        ),
      ).toBe(true);
      expect((await state.get('s')).pendingRetry).toEqual({ attempt: 4, dueAt: 120 });
      expect(
        await state.startRetry(
          's',
          { attempt: 4, dueAt: 120 },
          { atSeconds: 120, untilSeconds: 180, owner: owner() },
        ),
      ).toBe(true);
      // A success and a failure that is not retryable end the run's hold with the lease
      await state.recordSuccess('s', 130);
      expect((await state.get('s')).pendingRetry).toBeUndefined();
      const start150 = () =>
        state.startRetry(
          's',
          { attempt: 1, dueAt: 150 },
          { atSeconds: 150, untilSeconds: 210, owner: owner() },
        );
      for (const end of [
        () => state.recordFailure('s', { name: 'X', message: 'm', at: 140, retryable: false }),
        () => state.recordSuccess('s', 145),
      ]) {
        expect(
          await state.claimRetry('s', { attempt: 1, dueAt: 150 }, { staleBeforeSeconds: 0, owner: owner() }),
        ).toBe(true);
        await state.releaseRetry('s', 150);
        await end();
        expect((await state.get('s')).pendingRetry).toBeUndefined();
        // Nor does a released lease's message run once the chain ended
        expect(await start150()).toBe(false);
      }
    });

    it("lets a released lease's message take its lease back, unless a newer lease was taken (releaseRetry, startRetry)", async () => {
      // Prepare: a claim whose send failed after SQS accepted the message, so it was released
      const state = await freshStore();
      const claim = (dueAt: number) =>
        state.claimRetry('m', { attempt: 2, dueAt }, { staleBeforeSeconds: 0, owner: owner() });
      const start = (dueAt: number, atSeconds = dueAt) =>
        state.startRetry(
          'm',
          { attempt: 2, dueAt },
          { atSeconds, untilSeconds: atSeconds + 60, owner: owner() },
        );
      expect(await claim(50)).toBe(true);
      await state.releaseRetry('m', 50);

      // Act / Assess: the message that did arrive runs, once, with its lease back
      expect(await start(49)).toBe(false);
      expect(await start(50)).toBe(true);
      expect((await state.get('m')).pendingRetry).toEqual({ attempt: 2, dueAt: 50, runUntil: 110 });
      expect(await start(50)).toBe(false);
      // Released again, then a new chain's lease: the old message does nothing
      await state.releaseRetry('m', 50);
      expect(await claim(90)).toBe(true);
      expect(await start(50, 200)).toBe(false);
      expect((await state.get('m')).pendingRetry).toEqual({ attempt: 2, dueAt: 90 });
      // That new lease released too: only its own message takes it back
      await state.releaseRetry('m', 90);
      expect(await start(50, 200)).toBe(false);
      expect(await start(90)).toBe(true);
    });

    it('answers true to a repeat of a lease write whose first attempt applied (same owner), false to another owner', async () => {
      // Prepare: what the SDK does when DynamoDB applied a write and its answer was lost: it
      // sends the same write again, whose condition now fails on the value the first wrote.
      const state = await freshStore();
      const first = { staleBeforeSeconds: 0, owner: 'claim-1' };
      const next = { heldDueAt: 50, staleBeforeSeconds: 0, owner: 'claim-2' };
      const run = { atSeconds: 50, untilSeconds: 110, owner: 'run-1' };

      // Act / Assess: a new chain's claim, a run's hold, a run's claim of the next retry
      expect(await state.claimRetry('w', { attempt: 1, dueAt: 50 }, first)).toBe(true);
      expect(await state.claimRetry('w', { attempt: 1, dueAt: 50 }, first)).toBe(true);
      expect(await state.claimRetry('w', { attempt: 1, dueAt: 50 }, { ...first, owner: 'other' })).toBe(
        false,
      );
      expect(await state.startRetry('w', { attempt: 1, dueAt: 50 }, run)).toBe(true);
      expect(await state.startRetry('w', { attempt: 1, dueAt: 50 }, run)).toBe(true);
      expect(await state.startRetry('w', { attempt: 1, dueAt: 50 }, { ...run, owner: 'other' })).toBe(false);
      expect(await state.claimRetry('w', { attempt: 2, dueAt: 80 }, next)).toBe(true);
      expect(await state.claimRetry('w', { attempt: 2, dueAt: 80 }, next)).toBe(true);
      expect(await state.claimRetry('w', { attempt: 2, dueAt: 80 }, { ...next, owner: 'other' })).toBe(false);
      // The run's hold is gone with the new lease: its repeat is not ours any more
      expect(await state.startRetry('w', { attempt: 1, dueAt: 50 }, run)).toBe(false);
      expect((await state.get('w')).pendingRetry).toEqual({ attempt: 2, dueAt: 80 });
      // A chain that ended is nobody's (its owner went with the lease): a late repeat answers false
      await state.recordSuccess('w', 90);
      expect(
        await state.startRetry(
          'w',
          { attempt: 2, dueAt: 80 },
          { atSeconds: 90, untilSeconds: 150, owner: 'claim-2' },
        ),
      ).toBe(false);
    });

    it('records the secret version of a success, and forgets a rejected version once AWSCURRENT serves again', async () => {
      // Prepare
      const state = await freshStore();

      // Act
      await state.recordSuccess('v', 10, {
        stage: 'AWSPREVIOUS',
        versionId: 'version-old',
        rejectedVersionId: 'version-typo',
      });
      const fallenBack = await state.get('v');
      await state.recordSuccess('v', 20, { stage: 'AWSCURRENT', versionId: 'version-new' });
      const recovered = await state.get('v');
      await state.recordSuccess('v', 30, { stage: 'AWSCURRENT' });

      // Assess
      expect(fallenBack.secret).toEqual({
        stage: 'AWSPREVIOUS',
        versionId: 'version-old',
        rejectedVersionId: 'version-typo',
      });
      expect(recovered.secret).toEqual({ stage: 'AWSCURRENT', versionId: 'version-new' });
      expect((await state.get('v')).secret).toEqual({ stage: 'AWSCURRENT' });
    });
  });
}
