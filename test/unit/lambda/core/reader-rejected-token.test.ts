/**
 * "Not this token" (issue #11, item 7; decision D3): a caller sends `rejectedTokenHash`, the
 * reader never serves that token again, asks for one rate-limited refresh when it is the
 * stored one, and serves the stored token when it is another.
 */
import { describe, expect, it } from 'vitest';
import { BadRequest, TokenUnavailable } from '../../../../lambda/core/errors.js';
import { parseRefreshRequest } from '../../../../lambda/core/refresh-request.js';
import { testCredential } from '../../../fakes/in-memory.js';
import { hashOf, readerFixture, thrownBy } from './reader-fixture.js';

describe('Class: Reader', () => {
  describe('Method: serve (rejectedTokenHash)', () => {
    it('never serves the rejected token, even from its cache, and asks for a refresh with reason rejected-token', async () => {
      // Prepare: the token is cached and fresh.
      const { clock, store, trigger, reader, read, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('rejected-one', { ageSeconds: 600 }));
      await read({});
      clock.advance(5_000);

      // Act
      const error = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('rejected-one') }));

      // Assess
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect((error as TokenUnavailable).refreshClaim).toEqual({ outcome: 'requested' });
      expect((error as TokenUnavailable).message).toContain(
        "no usable token for credential 'sandbox': the stored token is the one the caller rejected",
      );
      expect((error as TokenUnavailable).message).not.toContain('rejected-one');
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'rejected-token' }]);
      expect(store.gets).toBe(2);
    });

    it('sends an event the refresher accepts', async () => {
      const { store, trigger, reader, token } = readerFixture();
      store.items.set('sandbox', token('rejected-one'));
      await thrownBy(reader.serve({ rejectedTokenHash: hashOf('rejected-one') }));
      const [sent] = trigger.triggered;
      expect(parseRefreshRequest(sent, [testCredential({ name: 'sandbox' })])).toMatchObject({
        reason: 'rejected-token',
      });
    });

    it('asks for the refresh even when the rejected token was fetched moments ago', async () => {
      const { store, trigger, reader, token } = readerFixture();
      store.items.set('sandbox', token('rejected-one', { ageSeconds: 1 }));
      await thrownBy(reader.serve({ rejectedTokenHash: hashOf('rejected-one') }));
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'rejected-token' }]);
    });

    it('serves the stored token when it is not the rejected one, reading past a stale cache', async () => {
      // Prepare: the reader cached the rejected token; the store already holds its successor.
      const { clock, store, read, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('rejected-one', { ageSeconds: 600 }));
      await read({});
      store.items.set('sandbox', token('successor'));
      clock.advance(5_000);

      // Act
      const view = await read({ rejectedTokenHash: hashOf('rejected-one') });

      // Assess: and everybody gets the successor from now on
      expect(view.accessToken).toBe('successor');
      await expect(read({})).resolves.toMatchObject({ accessToken: 'successor' });
    });

    it('serves the stored token when the caller rejected some other token', async () => {
      const { store, trigger, read, token } = readerFixture();
      store.items.set('sandbox', token('current'));
      const view = await read({ rejectedTokenHash: hashOf('an-older-one') });
      expect(view.accessToken).toBe('current');
      expect(trigger.triggered).toEqual([]);
    });

    it('asks once per minute however many callers reject the token, and serves its successor', async () => {
      // Prepare
      const { clock, store, trigger, reader, read, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('rejected-one', { ageSeconds: 600 }));
      const rejecting = { rejectedTokenHash: hashOf('rejected-one') };

      // Act: 40 callers at once, again 2 s later, then the refresher writes
      const burst = await Promise.all(Array.from({ length: 40 }, () => thrownBy(reader.serve(rejecting))));
      clock.advance(2_000);
      const again = await thrownBy(reader.serve(rejecting));
      store.items.set('sandbox', token('successor'));
      clock.advance(2_000);
      const view = await read(rejecting);

      // Assess
      expect(burst.every((error) => error instanceof TokenUnavailable)).toBe(true);
      expect((again as TokenUnavailable).refreshClaim).toEqual({ outcome: 'already-requested' });
      expect(trigger.triggered).toHaveLength(1);
      expect(view.accessToken).toBe('successor');
    });

    it('replaces a rejected token once: its replacement, rejected too, is not replaced again for half an hour', async () => {
      // Prepare: the token the schedule stored is rejected; the refresher answers with t1.
      const { clock, store, trigger, reader, read, token } = readerFixture({ cacheSeconds: 30 });
      store.items.set('sandbox', token('t0', { ageSeconds: 600 }));
      const first = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('t0') }));
      clock.advance(2_000);
      store.items.set('sandbox', token('t1'));
      expect((await read({ rejectedTokenHash: hashOf('t0') })).accessToken).toBe('t1');

      // Act: t1 is rejected too, a minute later and again 29 minutes after the first request
      clock.advance(60_000);
      const second = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('t1') }));
      clock.advance(28 * 60_000);
      const third = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('t1') }));
      clock.advance(60_000);
      const fourth = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('t1') }));

      // Assess
      expect((first as TokenUnavailable).refreshClaim).toEqual({ outcome: 'requested' });
      for (const again of [second, third]) {
        expect((again as TokenUnavailable).refreshClaim).toEqual({
          outcome: 'withheld',
          why: 'rejected-again',
        });
        expect((again as Error).message).toContain('was fetched in answer to a refresh request');
      }
      expect((fourth as TokenUnavailable).refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toEqual([
        { credential: 'sandbox', reason: 'rejected-token' },
        { credential: 'sandbox', reason: 'rejected-token' },
      ]);
    });

    it('replaces a rejected item dated in the future, whenever the last request was', async () => {
      const { state, store, trigger, reader, token, nowS } = readerFixture();
      state.states.set('sandbox', { refreshRequestedAt: nowS() - 120 });
      store.items.set('sandbox', token('future', { ageSeconds: -3600 }));
      await thrownBy(reader.serve({ rejectedTokenHash: hashOf('future') }));
      expect(trigger.triggered).toEqual([{ credential: 'sandbox', reason: 'rejected-token' }]);
    });

    it('does not ask while the last failure is not retryable', async () => {
      const { store, state, trigger, reader, token, nowS } = readerFixture();
      store.items.set('sandbox', token('rejected-one', { ageSeconds: 600 }));
      state.states.set('sandbox', {
        lastFailure: { name: 'TokenRequestRejected', message: 'x', at: nowS() - 60, retryable: false },
      });
      const error = await thrownBy(reader.serve({ rejectedTokenHash: hashOf('rejected-one') }));
      expect((error as TokenUnavailable).refreshClaim).toEqual({
        outcome: 'withheld',
        why: 'last-failure-not-retryable',
      });
      expect(trigger.triggered).toEqual([]);
    });

    it.each([
      ['upper-case hex', '0123456789ABCDEF'],
      ['15 characters', '0123456789abcde'],
      ['the whole SHA-256', hashOf('x') + hashOf('y') + hashOf('z') + hashOf('w')],
      ['a token', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
      ['a number', 1234567890123456],
      ['null', null],
    ])('refuses a rejectedTokenHash that is %s before reading anything', async (_case, value) => {
      const { store, reader } = readerFixture();
      const error = await thrownBy(reader.serve({ rejectedTokenHash: value }));
      expect(error).toBeInstanceOf(BadRequest);
      expect((error as Error).message).toContain(
        'rejectedTokenHash must be the first 16 lowercase hex characters',
      );
      expect((error as Error).message).not.toContain('eyJ');
      expect(store.gets).toBe(0);
    });
  });
});
