/**
 * What the reader's other tests left open (issue #16): the default 30 s cache counted in
 * milliseconds, a store failure that must not pass for a missing token (no TokenUnavailable,
 * no refresh), the status of an expired token, and the validity bounds of a request.
 */
import { describe, expect, it } from 'vitest';
import { BadRequest, TokenStoreError, TokenUnavailable } from '../../../../lambda/core/errors.js';
import type { StoredToken } from '../../../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../../../lambda/core/reader.js';
import type { BrokerStatus } from '../../../../lambda/core/status.js';
import { InMemoryTokenStore, ManualClock } from '../../../fakes/in-memory.js';
import { InMemoryStateStore, RecordingRefreshTrigger } from '../../../fakes/in-memory-state.js';

/** A token store whose reads fail with `error`. */
class FailingTokenStore extends InMemoryTokenStore {
  constructor(readonly error: Error) {
    super();
  }
  override async get(credential: string): Promise<StoredToken | undefined> {
    await super.get(credential);
    throw this.error;
  }
}

function setUp(store = new InMemoryTokenStore()) {
  const clock = new ManualClock();
  const state = new InMemoryStateStore();
  const trigger = new RecordingRefreshTrigger();
  // No cacheSeconds: the default.
  const reader = new Reader({ store, state, clock, credentialNames: ['sandbox'], trigger });
  const nowS = clock.now() / 1000;
  const stored = (accessToken: string, secondsLeft: number): StoredToken => ({
    credential: 'sandbox',
    accessToken,
    tokenType: 'Bearer',
    expiresAt: nowS + secondsLeft,
    fetchedAt: nowS - 60,
  });
  return { clock, store, state, trigger, reader, stored };
}

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ resolved: true }),
    (error: unknown) => ({ resolved: false, error }),
  );
  if (outcome.resolved) throw new Error('serve resolved');
  return (outcome as { error: unknown }).error;
}

describe('Class: Reader', () => {
  describe('Method: serve', () => {
    it('reuses a store read for 30 s by default, and reads again at 30 s', async () => {
      // Prepare
      const { clock, store, reader, stored } = setUp();
      store.items.set('sandbox', stored('token-1', 3000));
      await reader.serve({ credential: 'sandbox' });

      // Act & Assess: within the 30 s, from memory, even after the store changed
      store.items.set('sandbox', stored('token-2', 3000));
      clock.advance(29_999);
      expect(((await reader.serve({ credential: 'sandbox' })) as TokenView).accessToken).toBe('token-1');
      expect(store.gets).toBe(1);
      clock.advance(1);
      expect(((await reader.serve({ credential: 'sandbox' })) as TokenView).accessToken).toBe('token-2');
      expect(store.gets).toBe(2);
    });

    it('lets a store failure through as TokenStoreError: no TokenUnavailable, no refresh asked', async () => {
      // Prepare
      const failure = new TokenStoreError(
        'sandbox',
        'GetItem failed with ProvisionedThroughputExceededException',
        {
          retryable: true,
        },
      );
      const { reader, trigger, state } = setUp(new FailingTokenStore(failure));

      // Act
      const error = await rejection(reader.serve({ credential: 'sandbox' }));

      // Assess
      expect(error).toBe(failure);
      expect(error).not.toBeInstanceOf(TokenUnavailable);
      expect(trigger.triggered).toEqual([]);
      expect(state.states.get('sandbox')?.refreshRequestedAt).toBeUndefined();
    });

    it.each([0, 1800])('takes minValiditySeconds %j', async (minValiditySeconds) => {
      const { store, reader, stored } = setUp();
      store.items.set('sandbox', stored('token-1', 3000));
      expect(
        ((await reader.serve({ credential: 'sandbox', minValiditySeconds })) as TokenView).accessToken,
      ).toBe('token-1');
    });

    it.each([
      [-1, 'minValiditySeconds must be an integer from 0 to 1800, got -1'],
      [1801, 'minValiditySeconds must be an integer from 0 to 1800, got 1801'],
      [3600, 'minValiditySeconds must be an integer from 0 to 1800, got 3600'],
      ['300', 'minValiditySeconds must be an integer from 0 to 1800, got a string'],
    ])('refuses minValiditySeconds %j without reading the store', async (minValiditySeconds, message) => {
      const { store, reader } = setUp();
      const error = await rejection(reader.serve({ credential: 'sandbox', minValiditySeconds }));
      expect(error).toBeInstanceOf(BadRequest);
      expect((error as Error).message).toBe(message);
      expect(store.gets).toBe(0);
    });
  });

  describe('Method: serve (status)', () => {
    it.each([
      ['expired a second ago', -1, false, -1],
      ['expiring this very second', 0, false, 0],
      ['one second left', 1, true, 1],
    ])('reports a token %s as stored: %j', async (_case, secondsLeft, tokenStored, secondsRemaining) => {
      // Prepare
      const { store, reader, stored } = setUp();
      store.items.set('sandbox', stored('token-1', secondsLeft));

      // Act
      const status = (await reader.serve({ action: 'status' })) as BrokerStatus;

      // Assess
      expect(status.credentials[0]).toMatchObject({ credential: 'sandbox', tokenStored, secondsRemaining });
      expect(JSON.stringify(status)).not.toContain('token-1');
    });

    it('reports no token, with nulls, when none is stored', async () => {
      const { reader } = setUp();
      const status = (await reader.serve({ action: 'status' })) as BrokerStatus;
      expect(status.credentials[0]).toMatchObject({
        tokenStored: false,
        fetchedAt: null,
        expiresAt: null,
        secondsRemaining: null,
        lastSuccessAt: null,
        lastError: null,
        refreshRequestedAt: null,
      });
    });
  });
});
