import { describe, expect, it } from 'vitest';
import { readStatus } from '../../../../lambda/core/status.js';
import { InMemoryTokenStore, ManualClock } from '../../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../../fakes/in-memory-state.js';

describe('Function: readStatus', () => {
  it('reports tokens, last success and last error per credential, never the token', async () => {
    // Prepare
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 12, 0, 0));
    const now = clock.now() / 1000;
    const store = new InMemoryTokenStore();
    const state = new InMemoryStateStore();
    store.items.set('sandbox', {
      credential: 'sandbox',
      accessToken: 'canary-token',
      tokenType: 'Bearer',
      expiresAt: now + 1200,
      fetchedAt: now - 2400,
    });
    state.states.set('sandbox', {
      lastSuccessAt: now - 2400,
      lastFailure: {
        name: 'TokenRequestRejected',
        code: 'invalid_client',
        message: 'rejected',
        at: now - 60,
        retryable: false,
      },
    });
    state.states.set('production', {
      lastFailure: { name: 'TokenStoreError', message: 'throttled', at: now - 30 },
    });

    // Act
    const status = await readStatus(['sandbox', 'production'], { store, state, clock });

    // Assess
    expect(status.credentials).toEqual([
      {
        credential: 'sandbox',
        tokenStored: true,
        fetchedAt: '2026-11-27T11:20:00.000Z',
        expiresAt: '2026-11-27T12:20:00.000Z',
        secondsRemaining: 1200,
        lastSuccessAt: '2026-11-27T11:20:00.000Z',
        lastError: {
          name: 'TokenRequestRejected',
          code: 'invalid_client',
          message: 'rejected',
          at: '2026-11-27T11:59:00.000Z',
          retryable: false,
        },
        refreshRequestedAt: null,
        secret: null,
        nextRetryAt: null,
      },
      {
        credential: 'production',
        tokenStored: false,
        fetchedAt: null,
        expiresAt: null,
        secondsRemaining: null,
        lastSuccessAt: null,
        // Recorded before the refresher said whether a failure is retryable: unknown.
        lastError: {
          name: 'TokenStoreError',
          code: null,
          message: 'throttled',
          at: '2026-11-27T11:59:30.000Z',
          retryable: null,
        },
        refreshRequestedAt: null,
        secret: null,
        nextRetryAt: null,
      },
    ]);
    expect(JSON.stringify(status)).not.toContain('canary-token');
  });
});
