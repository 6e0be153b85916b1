import { describe, expect, it } from 'vitest';
import { TokenEndpointUnavailable, TokenRequestRejected } from '../../../../lambda/core/errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, withRetry } from '../../../../lambda/core/retry.js';
import { ManualClock } from '../../../fakes/in-memory.js';

const policy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 3_000, maxRetryAfterMs: 20_000 };

function runtime(clock: ManualClock, random = () => 0.5) {
  return { clock, sleep: clock.sleep, random };
}

describe('Function: backoffDelay', () => {
  it('doubles the ceiling each retry and caps it (full jitter with random just under 1)', () => {
    const nearlyOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, nearlyOne))).toEqual([
      499, 999, 1999, 2999, 2999,
    ]);
  });

  it('may wait no time at all (full jitter starts at zero)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('Function: withRetry', () => {
  const unavailable = (retryAfterSeconds?: number) =>
    new TokenEndpointUnavailable('default', 'HTTP 503', retryAfterSeconds);

  it('retries retryable errors and returns the first success with the attempt count', async () => {
    // Prepare
    const clock = new ManualClock();
    const outcomes = [unavailable(), unavailable(), 'ok'];

    // Act
    const result = await withRetry(
      async () => {
        const next = outcomes.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );

    // Assess
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('does not retry an error that is not retryable', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const act = withRetry(
      async () => {
        calls++;
        throw new TokenRequestRejected('default', 401, 'invalid_client', 'check the secret');
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );
    await expect(act).rejects.toBeInstanceOf(TokenRequestRejected);
    expect(calls).toBe(1);
  });

  it('does not retry errors that are not broker errors (bugs)', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const act = withRetry(
      async () => {
        calls++;
        throw new TypeError('boom');
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );
    await expect(act).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const act = withRetry(
      async () => {
        calls++;
        throw unavailable();
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );
    await expect(act).rejects.toBeInstanceOf(TokenEndpointUnavailable);
    expect(calls).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
  });

  it('waits at least as long as Retry-After asks', async () => {
    const clock = new ManualClock();
    const outcomes: Array<Error | string> = [unavailable(7), 'ok'];
    await withRetry(
      async () => {
        const next = outcomes.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );
    expect(clock.sleeps).toEqual([7_000]);
  });

  it('stops when Retry-After asks for longer than the cap', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const act = withRetry(
      async () => {
        calls++;
        throw unavailable(3600);
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 60_000 },
    );
    await expect(act).rejects.toThrow('HTTP 503');
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops when the next wait would pass the deadline', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const act = withRetry(
      async () => {
        calls++;
        throw unavailable(5);
      },
      { policy, runtime: runtime(clock), deadlineMs: clock.now() + 8_000 },
    );
    await expect(act).rejects.toBeInstanceOf(TokenEndpointUnavailable);
    expect(calls).toBe(2);
    expect(clock.sleeps).toEqual([5_000]);
  });
});
