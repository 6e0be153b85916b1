import { describe, expect, it } from 'vitest';
import { TokenRequestRejected, TokenStoreError, UnknownCredential } from '../../../lambda/core/errors.js';
import { RefresherService, type RefreshObserver } from '../../../lambda/core/refresher-service.js';
import {
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  StaticCredentialSource,
  testCredential,
} from '../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../fakes/in-memory-state.js';

/** An observer that writes down what it is told, in order. */
function recordingObserver() {
  const calls: Array<[string, ...unknown[]]> = [];
  const observer: RefreshObserver = {
    started: (request) => calls.push(['started', request.config.name, request.reason]),
    succeeded: (_request, result, secondsLeft) => calls.push(['succeeded', result.outcome, secondsLeft]),
    failed: (_request, error, secondsLeft) => calls.push(['failed', (error as Error).name, secondsLeft]),
    recordFailed: (_request, error) => calls.push(['recordFailed', (error as Error).name]),
    remainingUnknown: (_request, error) => calls.push(['remainingUnknown', (error as Error).name]),
    finished: () => calls.push(['finished']),
  };
  return { calls, observer };
}

function setUp(script: unknown[]) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const { calls, observer } = recordingObserver();
  const service = new RefresherService({
    configs: [testCredential({ name: 'sandbox' }), testCredential({ name: 'production' })],
    dependencies: {
      credentials: new StaticCredentialSource(),
      endpoint: new ScriptedTokenEndpoint(script),
      store,
      clock,
      sleep: clock.sleep,
      random: () => 0,
    },
    state,
    observer,
  });
  return { clock, store, state, calls, service };
}

const deadline = () => ({ deadlineMs: Date.now() + 60_000 });

describe('Class: RefresherService', () => {
  describe('Method: parse', () => {
    it('picks the configured set an event names, with its reason', () => {
      const { service } = setUp([]);
      expect(service.parse({ credential: 'production', reason: 'read-miss' })).toMatchObject({
        config: { name: 'production' },
        reason: 'read-miss',
      });
      expect(() => service.parse({ credential: 'staging' })).toThrow(UnknownCredential);
    });
  });

  describe('Method: run', () => {
    it('stores the token, records the success and tells the observer in order', async () => {
      // Prepare
      const { clock, store, state, calls, service } = setUp([
        { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 },
      ]);

      // Act
      const result = await service.run(service.parse({ credential: 'sandbox' }), {
        deadlineMs: clock.now() + 60_000,
      });

      // Assess
      expect(result).toMatchObject({ credential: 'sandbox', outcome: 'written', attempts: 1 });
      expect(store.items.get('sandbox')?.accessToken).toBe('tok');
      expect(state.states.get('sandbox')?.lastSuccessAt).toBeDefined();
      expect(calls).toEqual([
        ['started', 'sandbox', undefined],
        ['succeeded', 'written', 3600],
        ['finished'],
      ]);
    });

    it('records a failure, reports the validity left, and rethrows the error unchanged', async () => {
      const refused = new TokenRequestRejected('sandbox', 401, 'invalid_client', 'check the secret');
      const { clock, store, state, calls, service } = setUp([refused]);
      await store.put({
        credential: 'sandbox',
        accessToken: 'old',
        tokenType: 'Bearer',
        expiresAt: clock.now() / 1000 + 600,
        fetchedAt: clock.now() / 1000 - 3000,
      });
      const act = service.run(service.parse({ credential: 'sandbox' }), { deadlineMs: clock.now() + 60_000 });
      await expect(act).rejects.toBe(refused);
      expect(calls).toContainEqual(['failed', 'TokenRequestRejected', 600]);
      expect(state.states.get('sandbox')?.lastFailure).toMatchObject({ code: 'invalid_client' });
      expect(store.items.get('sandbox')?.accessToken).toBe('old');
    });

    it('reports 0 s left when no token is stored, and unknown when the store cannot be read', async () => {
      const refused = new TokenRequestRejected('sandbox', 400, 'invalid_scope', 'x');
      const first = setUp([refused]);
      await expect(
        first.service.run(first.service.parse({ credential: 'sandbox' }), deadline()),
      ).rejects.toBe(refused);
      expect(first.calls).toContainEqual(['failed', 'TokenRequestRejected', 0]);

      const second = setUp([refused]);
      second.store.get = async () => {
        throw new TokenStoreError('sandbox', 'GetItem failed');
      };
      await expect(
        second.service.run(second.service.parse({ credential: 'sandbox' }), deadline()),
      ).rejects.toBe(refused);
      expect(second.calls).toContainEqual(['remainingUnknown', 'TokenStoreError']);
      expect(second.calls).toContainEqual(['failed', 'TokenRequestRejected', undefined]);
    });

    it('keeps a success when its outcome cannot be recorded, and says so', async () => {
      const { state, calls, service } = setUp([
        { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 },
      ]);
      state.failures.push(new TokenStoreError('sandbox', 'UpdateItem failed'));
      await expect(service.run(service.parse({ credential: 'sandbox' }), deadline())).resolves.toMatchObject({
        outcome: 'written',
      });
      expect(calls).toContainEqual(['recordFailed', 'TokenStoreError']);
    });
  });
});
