import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  TokenStoreError,
  TokenUnavailable,
  UnknownCredential,
} from '../../../../lambda/core/errors.js';
import type { StoredToken } from '../../../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../../../lambda/core/reader.js';
import { InMemoryTokenStore, ManualClock } from '../../../fakes/in-memory.js';
import { InMemoryStateStore, RecordingRefreshTrigger } from '../../../fakes/in-memory-state.js';

function setUp(options: { cacheSeconds?: number; selfHealing?: boolean } = {}) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const trigger = new RecordingRefreshTrigger();
  const reader = new Reader({
    store,
    state,
    clock,
    credentialNames: ['sandbox', 'production'],
    cacheSeconds: options.cacheSeconds ?? 30,
    ...(options.selfHealing === false ? {} : { trigger }),
  });
  const nowS = clock.now() / 1000;
  const stored = (accessToken: string, secondsLeft: number, credential = 'sandbox'): StoredToken => ({
    credential,
    accessToken,
    tokenType: 'Bearer',
    expiresAt: nowS + secondsLeft,
    fetchedAt: nowS - 60,
  });
  const read = async (payload: unknown) => (await reader.serve(payload)) as TokenView;
  return { clock, store, state, trigger, reader, stored, read };
}

/** What `serve` threw, for assertions on its fields. */
async function thrownBy(answer: Promise<unknown>): Promise<unknown> {
  return answer.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Class: Reader', () => {
  describe('Method: serve (tokens)', () => {
    it('serves the stored token with its ISO expiry and seconds left', async () => {
      // Prepare
      const { store, read, stored } = setUp();
      const token = stored('token-1', 3000);
      store.items.set('sandbox', token);

      // Act
      const view = await read({ credential: 'sandbox', minValiditySeconds: 300 });

      // Assess
      expect(view).toEqual({
        credential: 'sandbox',
        accessToken: 'token-1',
        tokenType: 'Bearer',
        expiresAt: new Date(token.expiresAt * 1000).toISOString(),
        expiresIn: 3000,
      });
    });

    it('serves the stored token of the default set', async () => {
      const { store, read, stored } = setUp();
      store.items.set('sandbox', stored('token-of-sandbox', 3600));
      await expect(read({})).resolves.toMatchObject({
        credential: 'sandbox',
        accessToken: 'token-of-sandbox',
        expiresIn: 3600,
      });
    });

    it('serves from memory within the cache time, then reads the store again', async () => {
      const { store, read, stored, clock } = setUp({ cacheSeconds: 30 });
      store.items.set('sandbox', stored('token-1', 3000));
      await read({ credential: 'sandbox', minValiditySeconds: 300 });
      store.items.set('sandbox', stored('token-2', 3000));

      expect((await read({ credential: 'sandbox', minValiditySeconds: 300 })).accessToken).toBe('token-1');
      clock.advance(30_000);
      expect((await read({ credential: 'sandbox', minValiditySeconds: 300 })).accessToken).toBe('token-2');
      expect(store.gets).toBe(2);
    });

    it('never serves a cached token with less than minValiditySeconds left', async () => {
      // Prepare: cached with 310 s left, then 20 s pass and the store has a fresh one.
      const { store, read, stored, clock } = setUp({ cacheSeconds: 30 });
      store.items.set('sandbox', stored('old', 310));
      await read({ credential: 'sandbox', minValiditySeconds: 300 });
      store.items.set('sandbox', { ...stored('new', 3600), expiresAt: clock.now() / 1000 + 3600 });
      clock.advance(20_000);

      // Act
      const view = await read({ credential: 'sandbox', minValiditySeconds: 300 });

      // Assess
      expect(view.accessToken).toBe('new');
    });

    it('answers TokenUnavailable when nothing is stored', async () => {
      const { read } = setUp({ selfHealing: false });
      const act = read({ credential: 'sandbox', minValiditySeconds: 300 });
      await expect(act).rejects.toBeInstanceOf(TokenUnavailable);
      await expect(act).rejects.toThrow("no usable token for credential 'sandbox': no token is stored yet");
    });

    it.each([
      [100, 300, 'has 100 s left, not more than the 300 s asked for'],
      [-50, 0, 'expired 50 s ago'],
      [0, 0, 'expired 0 s ago'],
      [300, 300, 'has 300 s left, not more than the 300 s asked for'],
    ])(
      'answers TokenUnavailable for a token with %i s left when %i s are asked',
      async (left, min, message) => {
        const { store, read, stored } = setUp();
        store.items.set('sandbox', stored('short', left));
        await expect(read({ credential: 'sandbox', minValiditySeconds: min })).rejects.toThrow(message);
      },
    );

    it('never puts the token into a TokenUnavailable message', async () => {
      const { store, read, stored } = setUp();
      store.items.set('sandbox', stored('canary-token', 10));
      await expect(read({ credential: 'sandbox', minValiditySeconds: 300 })).rejects.not.toThrow('canary');
    });

    it('shares one store read among concurrent callers', async () => {
      const { store, read, stored } = setUp({ cacheSeconds: 0 });
      store.items.set('sandbox', stored('token-1', 3000));
      const views = await Promise.all(
        Array.from({ length: 50 }, () => read({ credential: 'sandbox', minValiditySeconds: 300 })),
      );
      expect(new Set(views.map((view) => view.accessToken))).toEqual(new Set(['token-1']));
      expect(store.gets).toBe(1);
    });

    it.each([
      [{ credential: 'staging' }, UnknownCredential],
      [{ credential: 'Bad' }, BadRequest],
      [{ minValiditySeconds: 9999 }, BadRequest],
    ])('refuses %j before reading anything', async (payload, type) => {
      const { store, state, trigger, reader } = setUp();
      await expect(reader.serve(payload)).rejects.toBeInstanceOf(type);
      expect(store.gets).toBe(0);
      expect(state.states.size).toBe(0);
      expect(trigger.triggered).toEqual([]);
    });
  });

  describe('Method: serve (status)', () => {
    it('answers the status without a token', async () => {
      const { store, reader, stored } = setUp();
      store.items.set('production', stored('token-of-production', 3600, 'production'));
      const status = await reader.serve({ action: 'status' });
      expect(JSON.stringify(status)).not.toContain('token-of-');
      expect(status).toMatchObject({
        credentials: [
          { credential: 'sandbox', tokenStored: false },
          { credential: 'production', tokenStored: true },
        ],
      });
    });
  });

  describe('Method: serve (self-healing)', () => {
    it('asks the refresher once a minute when no usable token is stored, and still answers TokenUnavailable', async () => {
      // Prepare
      const { clock, store, trigger, reader, stored } = setUp({ cacheSeconds: 0 });
      // A one-hour token near its end: a fresh one would serve the request (decision D2).
      store.items.set('production', {
        ...stored('short', 100, 'production'),
        fetchedAt: clock.now() / 1000 - 3500,
      });

      // Act
      const first = await thrownBy(reader.serve({ credential: 'production' }));
      const second = await thrownBy(reader.serve({ credential: 'production' }));
      clock.advance(61_000);
      const third = await thrownBy(reader.serve({ credential: 'production' }));

      // Assess
      for (const error of [first, second, third]) expect(error).toBeInstanceOf(TokenUnavailable);
      expect((first as TokenUnavailable).refreshClaim).toEqual({ outcome: 'requested' });
      expect((second as TokenUnavailable).refreshClaim).toEqual({ outcome: 'already-requested' });
      expect((third as TokenUnavailable).refreshClaim).toEqual({ outcome: 'requested' });
      expect(trigger.triggered).toEqual([
        { credential: 'production', reason: 'read-miss' },
        { credential: 'production', reason: 'read-miss' },
      ]);
    });

    it('claims once per minute per credential, however many reads fail at once', async () => {
      // Prepare
      const { clock, trigger, reader } = setUp({ cacheSeconds: 0 });
      const claim = async (credential: string) =>
        ((await thrownBy(reader.serve({ credential }))) as TokenUnavailable).refreshClaim.outcome;

      // Act
      const burst = await Promise.all(Array.from({ length: 50 }, () => claim('sandbox')));
      clock.advance(59_000);
      const stillWithin = await claim('sandbox');
      const other = await claim('production');
      clock.advance(2_000);
      const afterAMinute = await claim('sandbox');

      // Assess
      expect(burst.filter((outcome) => outcome === 'requested')).toHaveLength(1);
      expect(stillWithin).toBe('already-requested');
      expect(other).toBe('requested');
      expect(afterAMinute).toBe('requested');
      expect(trigger.triggered).toEqual([
        { credential: 'sandbox', reason: 'read-miss' },
        { credential: 'production', reason: 'read-miss' },
        { credential: 'sandbox', reason: 'read-miss' },
      ]);
    });

    it('still answers TokenUnavailable when asking the refresher fails, saying why', async () => {
      const { state, reader } = setUp();
      const failed = new TokenStoreError('sandbox', 'UpdateItem failed');
      state.failures.push(failed);
      const error = await thrownBy(reader.serve({ credential: 'sandbox' }));
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect((error as TokenUnavailable).refreshClaim).toEqual({ outcome: 'failed', error: failed });
    });

    it('asks nobody when self-healing is off', async () => {
      const { state, reader } = setUp({ selfHealing: false });
      const error = await thrownBy(reader.serve({ credential: 'sandbox' }));
      expect((error as TokenUnavailable).refreshClaim).toEqual({ outcome: 'off' });
      expect(state.states.size).toBe(0);
    });
  });
});
