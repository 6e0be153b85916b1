/**
 * Capped exponential backoff with full jitter, honouring `Retry-After`, bounded by a
 * deadline so a refresh always ends inside its Lambda timeout.
 */
import { BrokerError } from './errors.js';
import type { Clock } from './ports.js';

/** How hard to retry. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff, doubled each attempt. */
  readonly baseDelayMs: number;
  /** No backoff is longer than this. */
  readonly maxDelayMs: number;
  /** A server's `Retry-After` is honoured up to this; longer asks end the retries. */
  readonly maxRetryAfterMs: number;
}

/** Defaults sized for a 60 s refresher: 4 attempts, at most ~20 s of waiting. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 20_000,
};

/** What retrying needs from the outside world. */
export interface RetryRuntime {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
}

/**
 * Full-jitter backoff before retry number `retry` (1-based):
 * uniform in [0, min(maxDelay, base * 2^(retry-1))).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Reports each retry, for logs and metrics. */
export type RetryListener = (info: { attempt: number; delayMs: number; error: BrokerError }) => void;

/**
 * Runs `operation` until it succeeds, fails with an error that is not retryable,
 * runs out of attempts, or the next wait would pass `deadlineMs`. The last error is
 * rethrown as is. Only {@link BrokerError}s with `retryable` set are retried: anything
 * else is a bug or a refusal, and retrying it would only hide it.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    readonly policy: RetryPolicy;
    readonly runtime: RetryRuntime;
    readonly deadlineMs: number;
    readonly onRetry?: RetryListener;
  },
): Promise<{ value: T; attempts: number }> {
  const { policy, runtime, deadlineMs } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await operation(attempt), attempts: attempt };
    } catch (error) {
      if (!(error instanceof BrokerError) || !error.retryable || attempt >= policy.maxAttempts) throw error;
      const delayMs = nextDelay(error, attempt, policy, runtime.random);
      if (delayMs === undefined || runtime.clock.now() + delayMs >= deadlineMs) throw error;
      options.onRetry?.({ attempt, delayMs, error });
      await runtime.sleep(delayMs);
    }
  }
}

/** The wait before the next attempt, or undefined when the server asked for longer than we wait. */
function nextDelay(error: BrokerError, attempt: number, policy: RetryPolicy, random: () => number) {
  const jitter = backoffDelay(attempt, policy, random);
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter !== 'number') return jitter;
  const askedMs = retryAfter * 1000;
  if (askedMs > policy.maxRetryAfterMs) return undefined;
  // Never earlier than the server asked; a little jitter after it spreads the herd.
  return Math.max(askedMs, jitter);
}
