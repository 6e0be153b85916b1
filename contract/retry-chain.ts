/**
 * The refresher's retry chain (docs/design.md, Refresher, "Retry until recovered";
 * decision 30): after a retryable failure the broker refreshes the set again on its own,
 * with capped backoff, until a run succeeds or fails for good. The refresher, the local
 * broker and the bench's simulation all read these numbers from here.
 */

/** How the chain is paced and bounded. */
export const RETRY_CHAIN = {
  /** Seconds from the failed run to retry 1. */
  firstDelaySeconds: 15,
  /** Each retry waits this many times longer than the one before... */
  backoffFactor: 2,
  /** ...up to this: at most about one retry run a minute per set. */
  maxDelaySeconds: 60,
  /**
   * A lease whose retry was due more than this long ago counts as lost (its message never
   * arrived, or its run died): the next failure may start a new chain. Two refresher
   * timeouts, so a run that is merely late is never taken for lost.
   */
  leaseGraceSeconds: 120,
  /**
   * One delivery of a retry's message holds its run until the run's deadline plus this
   * (`StateStore.startRetry`): the refresher keeps 3 s of its timeout back from the deadline,
   * so by then Lambda has ended the run, and only a redelivery after a crash (SQS's
   * visibility timeout is the function's timeout + 30 s) takes the run over. A duplicate
   * delivered meanwhile does nothing.
   */
  runHoldMarginSeconds: 5,
  /** Token requests a retry run makes: no in-run retries, the chain is the retry. */
  tokenAttemptsPerRun: 1,
} as const;

/**
 * Seconds to wait before retry `attempt` (1-based): `min(60, 15 * 2^(attempt-1))`,
 * i.e. 15, 30, 60, 60, ...
 * @throws RangeError when `attempt` is not a positive integer.
 */
export function retryDelaySeconds(attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retry attempt must be a positive integer, got ${attempt}`);
  }
  const { firstDelaySeconds, backoffFactor, maxDelaySeconds } = RETRY_CHAIN;
  // Capped before the power can overflow: 2^1024 is Infinity, the cap is reached at 3.
  const steps = Math.min(attempt - 1, 16);
  return Math.min(maxDelaySeconds, firstDelaySeconds * backoffFactor ** steps);
}

/** What a retry message carries besides `credential` and `reason: "retry"`. */
export interface RetryTicket {
  /** 1-based number of this retry in its chain. */
  readonly attempt: number;
  /** Epoch seconds the retry was due: the lease it belongs to (a stale one does nothing). */
  readonly dueAt: number;
}
