/**
 * What the retry tests left open (issue #16): the Retry-After cap on its own (a deadline far
 * enough away that only the cap can stop a 30 s wait), both boundaries, and the jitter bounds.
 */
import { describe, expect, it } from 'vitest';
import { TokenEndpointUnavailable } from '../../../../lambda/core/errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, withRetry } from '../../../../lambda/core/retry.js';
import { ManualClock } from '../../../fakes/in-memory.js';

const policy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 3_000, maxRetryAfterMs: 20_000 };
const unavailable = (retryAfterSeconds?: number) =>
  new TokenEndpointUnavailable('sandbox', 'HTTP 503', retryAfterSeconds);

/** Runs `withRetry` on an operation failing with `error` once, then succeeding. */
async function retryOnce(error: Error, clock: ManualClock, deadlineMs: number, random = () => 0) {
  let calls = 0;
  const outcome = await withRetry(
    async () => {
      calls++;
      if (calls === 1) throw error;
      return 'ok';
    },
    { policy, runtime: { clock, sleep: clock.sleep, random }, deadlineMs },
  ).then(
    (value) => value,
    (failure: unknown) => failure,
  );
  return { outcome, calls };
}

describe('Function: withRetry', () => {
  it('does not sleep through a 30 s Retry-After, however far the deadline', async () => {
    const clock = new ManualClock();
    const failure = unavailable(30);
    const { outcome, calls } = await retryOnce(failure, clock, clock.now() + 600_000);
    expect(outcome).toBe(failure);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('waits a Retry-After of exactly the cap', async () => {
    const clock = new ManualClock();
    const { outcome, calls } = await retryOnce(unavailable(20), clock, clock.now() + 600_000);
    expect(outcome).toEqual({ value: 'ok', attempts: 2 });
    expect(calls).toBe(2);
    expect(clock.sleeps).toEqual([20_000]);
  });

  it('gives up when the wait would end exactly at the deadline, and waits when it ends a millisecond before', async () => {
    const atDeadline = new ManualClock();
    const failure = unavailable(5);
    expect((await retryOnce(failure, atDeadline, atDeadline.now() + 5_000)).outcome).toBe(failure);
    expect(atDeadline.sleeps).toEqual([]);

    const before = new ManualClock();
    expect((await retryOnce(unavailable(5), before, before.now() + 5_001)).outcome).toEqual({
      value: 'ok',
      attempts: 2,
    });
    expect(before.sleeps).toEqual([5_000]);
  });

  it('tells the listener each retry before it sleeps', async () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    const failure = unavailable(2);
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw failure;
        return 'ok';
      },
      {
        policy,
        runtime: { clock, sleep: clock.sleep, random: () => 0 },
        deadlineMs: clock.now() + 60_000,
        onRetry: (info) => seen.push({ ...info, sleptBefore: clock.sleeps.length }),
      },
    );
    expect(seen).toEqual([{ attempt: 1, delayMs: 2_000, error: failure, sleptBefore: 0 }]);
  });
});

describe('Function: backoffDelay', () => {
  it('keeps the default policy: 4 attempts, 500 ms doubling to 8 s, Retry-After up to 20 s', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 8_000,
      maxRetryAfterMs: 20_000,
    });
  });

  it.each([
    [1, 499],
    [2, 999],
    [3, 1_999],
    [4, 2_999],
  ])('stays under the ceiling of retry %j (%j ms with random just under 1)', (retry, delay) => {
    expect(backoffDelay(retry, policy, () => 0.999_9)).toBe(delay);
  });
});
