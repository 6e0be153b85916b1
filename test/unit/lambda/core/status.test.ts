import { describe, expect, it } from 'vitest';
import {
  SecretInvalid,
  TokenEndpointUnavailable,
  TokenRequestRejected,
} from '../../../lambda/core/errors.js';
import {
  describeFailure,
  failureCode,
  isSecretRejected,
  refreshAndRecord,
} from '../../../lambda/core/refresh-recorder.js';
import { RefreshRequester } from '../../../lambda/core/self-heal.js';
import { readStatus } from '../../../lambda/core/status.js';
import { InMemoryTokenStore, ManualClock } from '../../fakes/in-memory.js';
import { InMemoryStateStore, RecordingRefreshTrigger } from '../../fakes/in-memory-state.js';

describe('Function: failureCode / isSecretRejected', () => {
  it.each([
    [new TokenRequestRejected('a', 401, 'invalid_client', 'x'), 'invalid_client', true],
    [new TokenRequestRejected('a', 401, undefined, 'x'), 'http_401', true],
    [new TokenRequestRejected('a', 400, 'invalid_scope', 'x'), 'invalid_scope', false],
    [new TokenEndpointUnavailable('a', 'HTTP 503'), undefined, false],
    [new SecretInvalid('a', 's', 'is empty'), undefined, false],
  ])('%o -> code %s, secret rejected %s', (error, code, rejected) => {
    expect(failureCode(error)).toBe(code);
    expect(isSecretRejected(error)).toBe(rejected);
  });

  it('describes an unexpected error without its message', () => {
    expect(describeFailure(new TypeError('internal detail'), 5_000)).toEqual({
      name: 'InternalError',
      message: 'unexpected error; see the refresher logs',
      at: 5,
    });
  });
});

describe('Function: refreshAndRecord', () => {
  it('records a success and returns the result', async () => {
    const state = new InMemoryStateStore();
    const clock = new ManualClock(1_000_000);
    const result = await refreshAndRecord('sandbox', async () => 'ok', {
      state,
      clock,
      onRecordError: () => {},
    });
    expect(result).toBe('ok');
    expect(state.states.get('sandbox')).toEqual({ lastSuccessAt: 1000 });
  });

  it('records a failure with its code and rethrows it unchanged', async () => {
    const state = new InMemoryStateStore();
    const clock = new ManualClock(2_000_000);
    const error = new TokenRequestRejected('sandbox', 401, 'invalid_client', 'paste the current pair');
    const act = refreshAndRecord('sandbox', () => Promise.reject(error), {
      state,
      clock,
      onRecordError: () => {},
    });
    await expect(act).rejects.toBe(error);
    expect(state.states.get('sandbox')?.lastFailure).toEqual({
      name: 'TokenRequestRejected',
      code: 'invalid_client',
      message: error.message,
      at: 2000,
    });
  });

  it('reports a failure to record without changing the outcome', async () => {
    const state = new InMemoryStateStore();
    state.failures.push(new Error('throttled'));
    const recordErrors: unknown[] = [];
    const result = await refreshAndRecord('sandbox', async () => 'ok', {
      state,
      clock: new ManualClock(),
      onRecordError: (error) => recordErrors.push(error),
    });
    expect(result).toBe('ok');
    expect(recordErrors).toHaveLength(1);
  });
});

describe('Class: RefreshRequester', () => {
  it('asks once per minute per credential, however many reads fail', async () => {
    // Prepare
    const state = new InMemoryStateStore();
    const trigger = new RecordingRefreshTrigger();
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 12, 0, 0));
    const requester = new RefreshRequester({ state, trigger, clock });

    // Act
    const burst = await Promise.all(Array.from({ length: 50 }, () => requester.request('sandbox')));
    clock.advance(59_000);
    const stillWithin = await requester.request('sandbox');
    const other = await requester.request('production');
    clock.advance(2_000);
    const afterAMinute = await requester.request('sandbox');

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
});

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
      },
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
        },
        refreshRequestedAt: null,
      },
      {
        credential: 'production',
        tokenStored: false,
        fetchedAt: null,
        expiresAt: null,
        secondsRemaining: null,
        lastSuccessAt: null,
        lastError: null,
        refreshRequestedAt: null,
      },
    ]);
    expect(JSON.stringify(status)).not.toContain('canary-token');
  });
});
