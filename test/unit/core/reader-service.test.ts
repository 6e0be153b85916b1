import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  TokenStoreError,
  TokenUnavailable,
  UnknownCredential,
} from '../../../lambda/core/errors.js';
import { TokenReader } from '../../../lambda/core/read.js';
import { isCallerFacing, ReaderService } from '../../../lambda/core/reader-service.js';
import { RefreshRequester } from '../../../lambda/core/self-heal.js';
import { InMemoryTokenStore, ManualClock } from '../../fakes/in-memory.js';
import { InMemoryStateStore, RecordingRefreshTrigger } from '../../fakes/in-memory-state.js';

function setUp() {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const trigger = new RecordingRefreshTrigger();
  const events: string[] = [];
  const service = new ReaderService({
    credentialNames: ['sandbox', 'production'],
    reader: new TokenReader({ store, clock, cacheSeconds: 0 }),
    store,
    state,
    clock,
    requester: new RefreshRequester({ state, trigger, clock }),
    observer: {
      requested: (credential) => events.push(`requested ${credential}`),
      served: (credential) => events.push(`served ${credential}`),
      unavailable: (credential) => events.push(`unavailable ${credential}`),
      refreshRequested: (credential) => events.push(`refreshRequested ${credential}`),
      refreshRequestFailed: (credential, error) =>
        events.push(`refreshRequestFailed ${credential} ${(error as Error).name}`),
    },
  });
  const storeToken = (credential: string, secondsLeft: number) =>
    store.put({
      credential,
      accessToken: `token-of-${credential}`,
      tokenType: 'Bearer',
      expiresAt: Math.floor(clock.now() / 1000) + secondsLeft,
      fetchedAt: clock.now() / 1000,
    });
  return { clock, state, trigger, events, service, storeToken };
}

describe('Class: ReaderService', () => {
  describe('Method: serve', () => {
    it('serves the stored token of the default set', async () => {
      const { events, service, storeToken } = setUp();
      await storeToken('sandbox', 3600);
      await expect(service.serve({})).resolves.toMatchObject({
        credential: 'sandbox',
        accessToken: 'token-of-sandbox',
        expiresIn: 3600,
      });
      expect(events).toEqual(['requested sandbox', 'served sandbox']);
    });

    it('answers the status without a token', async () => {
      const { service, storeToken } = setUp();
      await storeToken('production', 3600);
      const status = await service.serve({ action: 'status' });
      expect(JSON.stringify(status)).not.toContain('token-of-');
      expect(status).toMatchObject({
        credentials: [
          { credential: 'sandbox', tokenStored: false },
          { credential: 'production', tokenStored: true },
        ],
      });
    });

    it('asks the refresher once a minute when no usable token is stored, and still answers TokenUnavailable', async () => {
      // Prepare
      const { clock, trigger, events, service, storeToken } = setUp();
      await storeToken('production', 100);

      // Act
      const first = service.serve({ credential: 'production' });
      await expect(first).rejects.toBeInstanceOf(TokenUnavailable);
      await expect(service.serve({ credential: 'production' })).rejects.toBeInstanceOf(TokenUnavailable);
      clock.advance(61_000);
      await expect(service.serve({ credential: 'production' })).rejects.toBeInstanceOf(TokenUnavailable);

      // Assess
      expect(trigger.triggered).toEqual([
        { credential: 'production', reason: 'read-miss' },
        { credential: 'production', reason: 'read-miss' },
      ]);
      expect(events.filter((event) => event.startsWith('refreshRequested'))).toHaveLength(2);
      expect(events.filter((event) => event.startsWith('unavailable'))).toHaveLength(3);
    });

    it('still answers TokenUnavailable when asking the refresher fails', async () => {
      const { state, events, service } = setUp();
      state.failures.push(new TokenStoreError('sandbox', 'UpdateItem failed'));
      await expect(service.serve({ credential: 'sandbox' })).rejects.toBeInstanceOf(TokenUnavailable);
      expect(events).toContain('refreshRequestFailed sandbox TokenStoreError');
    });

    it.each([
      [{ credential: 'staging' }, UnknownCredential],
      [{ credential: 'Bad' }, BadRequest],
      [{ minValiditySeconds: 9999 }, BadRequest],
    ])('refuses %j before reading anything', async (payload, type) => {
      const { events, service } = setUp();
      await expect(service.serve(payload)).rejects.toBeInstanceOf(type);
      expect(events).toEqual([]);
    });
  });
});

describe('Function: isCallerFacing', () => {
  it.each([
    [new BadRequest('x'), true],
    [new UnknownCredential('a', ['b']), true],
    [new TokenUnavailable('a', 'none'), true],
    [new TokenStoreError('a', 'GetItem failed'), false],
    [new Error('internal'), false],
  ])('%o -> %s', (error, expected) => {
    expect(isCallerFacing(error)).toBe(expected);
  });
});
