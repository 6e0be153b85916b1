/**
 * When the reader asks the refresher for a token (issue #11, items 2 and 4; decisions D2,
 * D4): only when a fresh token could serve the request, the stored one is more than a
 * minute old and the last refresh did not fail for good; and a request the cached item
 * cannot serve does not turn every read into a store read.
 */
import { describe, expect, it } from 'vitest';
import { REFRESH_REQUEST_INTERVAL_SECONDS } from '../../../../contract/index.js';
import { TokenUnavailable } from '../../../../lambda/core/errors.js';
import { readerFixture, thrownBy } from './reader-fixture.js';

const unavailable = async (answer: Promise<unknown>) => {
  const error = await thrownBy(answer);
  expect(error).toBeInstanceOf(TokenUnavailable);
  return error as TokenUnavailable;
};

describe('Class: Reader', () => {
  describe('Method: serve (when to ask for a refresh)', () => {
    it('asks for a refresh when a fresh token would serve the request and the stored one is old enough', async () => {
      // Prepare: a one-hour token fetched 31 minutes ago has 1740 s left.
      const { store, trigger, reader, token } = readerFixture();
      store.items.set('sandbox', token('t1', { ageSeconds: 1860 }));

      // Act
      const error = await unavailable(reader.serve({ minValiditySeconds: 1800 }));

      // Assess
      expect(error.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'read-miss' }]);
      expect(error.message).toContain('has 1740 s left, not more than the 1800 s asked for');
    });

    it('does not ask when no token of this lifetime could serve the request, and says what to ask for', async () => {
      // Prepare: the endpoint issues 20-minute tokens; one of them is fresh.
      const { store, state, trigger, reader, token } = readerFixture({ cacheSeconds: 0 });
      store.items.set('sandbox', token('t1', { lifetimeSeconds: 1200, ageSeconds: 600 }));

      // Act: every 10 s for ten minutes
      const errors: TokenUnavailable[] = [];
      for (let i = 0; i < 60; i++) errors.push(await unavailable(reader.serve({ minValiditySeconds: 1200 })));

      // Assess
      expect(trigger.triggered).toEqual([]);
      expect(state.states.get('sandbox')?.refreshRequestedAt).toBeUndefined();
      expect(errors[0]?.refreshClaim).toEqual({ outcome: 'withheld', why: 'no-token-lasts-long-enough' });
      expect(errors[0]?.message).toContain(
        'tokens of this credential live 1200 s, so a fresh one could not serve 1200 s either: ask for a smaller minValiditySeconds',
      );
    });

    it(`does not ask while the stored token is at most ${REFRESH_REQUEST_INTERVAL_SECONDS} s old`, async () => {
      // Prepare: a token that lives 1820 s, fetched 30 s ago: 1790 s left.
      const { clock, store, trigger, reader, token } = readerFixture({ cacheSeconds: 0 });
      store.items.set('sandbox', token('t1', { lifetimeSeconds: 1820, ageSeconds: 30 }));

      // Act
      const early = await unavailable(reader.serve({ minValiditySeconds: 1800 }));
      clock.advance(31_000);
      const late = await unavailable(reader.serve({ minValiditySeconds: 1800 }));

      // Assess
      expect(early.refreshClaim).toEqual({ outcome: 'withheld', why: 'token-just-fetched' });
      expect(early.message).toContain('the stored token was fetched 30 s ago');
      expect(late.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toHaveLength(1);
    });

    it('asks when the stored item is dated in the future: its age and lifetime say nothing', async () => {
      // Prepare: fetched "in an hour", expired a minute ago (a clock that jumped, a hand edit).
      const { store, trigger, reader, nowS } = readerFixture();
      store.items.set('sandbox', {
        credential: 'sandbox',
        accessToken: 't1',
        tokenType: 'Bearer',
        fetchedAt: nowS() + 3600,
        expiresAt: nowS() - 60,
      });

      // Act
      const error = await unavailable(reader.serve({}));

      // Assess: the refresher replaces such an item (RF, item 5)
      expect(error.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'read-miss' }]);
    });

    it('asks when no token is stored, whatever the validity asked for', async () => {
      const { trigger, reader } = readerFixture();
      const error = await unavailable(reader.serve({ minValiditySeconds: 1800 }));
      expect(error.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'read-miss' }]);
    });

    it('asks when the stored token expired, if it lived longer than the validity asked for', async () => {
      const { store, trigger, reader, token } = readerFixture();
      store.items.set('sandbox', token('t1', { ageSeconds: 4000 }));
      const error = await unavailable(reader.serve({}));
      expect(error.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toHaveLength(1);
    });

    it('makes a caller asking for the largest validity every 10 s cause at most one refresh per 30 minutes', async () => {
      // Prepare: the refresher answers each request with a one-hour token at once.
      const { clock, store, trigger, reader, token } = readerFixture();
      store.items.set('sandbox', token('t0'));
      let issued = 0;
      const served: string[] = [];

      // Act: six hours of reads, every 10 s
      for (let tick = 0; tick < 6 * 360; tick++) {
        const before = trigger.triggered.length;
        const answer = await reader.serve({ minValiditySeconds: 1800 }).catch((error: unknown) => error);
        if (!(answer instanceof Error)) served.push((answer as { accessToken: string }).accessToken);
        if (trigger.triggered.length > before) store.items.set('sandbox', token(`t${++issued}`));
        clock.advance(10_000);
      }

      // Assess: 6 h / 30 min = 12 refreshes at most
      expect(issued).toBeGreaterThan(0);
      expect(issued).toBeLessThanOrEqual(12);
      expect(served.length).toBeGreaterThan(6 * 360 - 2 * 12);
    });
  });

  describe('Method: serve (a cached item that cannot serve the request)', () => {
    it('reads the store again at most once per Retry-After, however often it is asked', async () => {
      // Prepare: cached with 1000 s left; the store has nothing better.
      const { clock, store, reader, read, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('t1', { ageSeconds: 2600 }));
      await read({ minValiditySeconds: 300 });
      expect(store.gets).toBe(1);

      // Act: 100 reads asking for more, 100 ms apart (10 s)
      for (let i = 0; i < 100; i++) {
        await thrownBy(reader.serve({ minValiditySeconds: 1800 }));
        clock.advance(100);
      }

      // Assess: one read per 2 s, and the cached token still serves everyone else
      expect(store.gets).toBeLessThanOrEqual(1 + 5);
      expect(store.gets).toBeGreaterThanOrEqual(1 + 4);
      await expect(read({ minValiditySeconds: 300 })).resolves.toMatchObject({ accessToken: 't1' });
    });

    it('picks up a new token within Retry-After of a refusal', async () => {
      // Prepare
      const { clock, store, reader, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('old', { ageSeconds: 3400 }));
      await thrownBy(reader.serve({}));
      store.items.set('sandbox', token('new'));

      // Act
      clock.advance(2_000);
      const view = await reader.serve({});

      // Assess
      expect(view).toMatchObject({ accessToken: 'new' });
    });

    it('claims at the state item at most once per Retry-After while the claim is taken elsewhere', async () => {
      // Prepare: another reader claimed a moment ago; no token stored.
      const { clock, state, reader, nowS } = readerFixture({ cacheSeconds: 30 });
      state.states.set('sandbox', { refreshRequestedAt: nowS() });
      let claims = 0;
      const claim = state.claimRefreshRequest.bind(state);
      state.claimRefreshRequest = async (...args) => {
        claims++;
        return claim(...args);
      };

      // Act: 50 reads over 10 s
      for (let i = 0; i < 50; i++) {
        const error = (await thrownBy(reader.serve({}))) as TokenUnavailable;
        expect(error.refreshClaim.outcome).toBe('already-requested');
        clock.advance(200);
      }

      // Assess
      expect(claims).toBeLessThanOrEqual(5);
    });
  });

  describe('Method: serve (no self-healing after a failure a retry cannot fix)', () => {
    it('does not ask while the last failure is not retryable and newer than the last success', async () => {
      // Prepare
      const { store, state, trigger, reader, token, nowS } = readerFixture();
      store.items.set('sandbox', token('t1', { ageSeconds: 3500 }));
      state.states.set('sandbox', {
        lastSuccessAt: nowS() - 3500,
        lastFailure: {
          name: 'TokenRequestRejected',
          code: 'invalid_client',
          message: 'rejected',
          at: nowS() - 100,
          retryable: false,
        },
      });

      // Act
      const error = await unavailable(reader.serve({}));

      // Assess
      expect(error.refreshClaim).toEqual({ outcome: 'withheld', why: 'last-failure-not-retryable' });
      expect(error.message).toContain(
        'the last refresh failed with TokenRequestRejected, which a retry cannot fix, so the reader does not ask for another',
      );
      expect(trigger.triggered).toEqual([]);
      expect(state.states.get('sandbox')?.refreshRequestedAt).toBeUndefined();
    });

    it('reads the state item at most once a minute while the last failure is not retryable', async () => {
      // Prepare: nothing stored, the secret rejected; callers keep asking every 3 s.
      const { clock, state, trigger, reader, nowS } = readerFixture({ cacheSeconds: 30 });
      state.states.set('sandbox', {
        lastFailure: { name: 'TokenRequestRejected', message: 'rejected', at: nowS() - 5, retryable: false },
      });
      let reads = 0;
      const get = state.get.bind(state);
      state.get = async (...args) => {
        reads++;
        return get(...args);
      };

      // Act: ten minutes
      for (let i = 0; i < 200; i++) {
        await thrownBy(reader.serve({}));
        clock.advance(3_000);
      }

      // Assess
      expect(reads).toBeLessThanOrEqual(10);
      expect(trigger.triggered).toEqual([]);
    });

    it('does not ask when nothing is stored and the secret was rejected', async () => {
      const { state, trigger, reader, nowS } = readerFixture();
      state.states.set('sandbox', {
        lastFailure: { name: 'TokenRequestRejected', message: 'rejected', at: nowS() - 5, retryable: false },
      });
      const error = await unavailable(reader.serve({}));
      expect(error.refreshClaim).toEqual({ outcome: 'withheld', why: 'last-failure-not-retryable' });
      expect(trigger.triggered).toEqual([]);
    });

    it.each([
      ['retryable', { retryable: true, at: -100 }, undefined],
      ['recorded before retryable existed', { at: -100 }, undefined],
      ['older than the last success', { retryable: false, at: -3000 }, -2000],
    ])('asks again when the last failure is %s', async (_case, failure, successAgo) => {
      const { store, state, trigger, reader, token, nowS } = readerFixture();
      store.items.set('sandbox', token('t1', { ageSeconds: 3500 }));
      state.states.set('sandbox', {
        ...(successAgo === undefined ? {} : { lastSuccessAt: nowS() + successAgo }),
        lastFailure: { name: 'TokenEndpointUnavailable', message: 'x', ...failure, at: nowS() + failure.at },
      });
      const error = await unavailable(reader.serve({}));
      expect(error.refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toHaveLength(1);
    });

    it('says the claim failed, and asks nobody, when the state item cannot be read', async () => {
      const { state, trigger, reader } = readerFixture();
      const failed = new Error('GetItem of the state item failed');
      state.get = async () => {
        throw failed;
      };
      const error = await unavailable(reader.serve({}));
      expect(error.refreshClaim).toEqual({ outcome: 'failed', error: failed });
      expect(trigger.triggered).toEqual([]);
    });
  });
});
