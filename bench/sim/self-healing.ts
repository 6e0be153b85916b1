/**
 * What the fleet comparison leaves out and the scenarios need: the state item (refresh
 * claim, last failure and success, as the reader and the refresher use them), the reader's
 * asynchronous invoke of the refresher, and Lambda's two retries of an async invoke whose
 * handler threw. Counted like the DynamoDB and Lambda calls they stand for.
 */
import type { RefreshReason } from '../../contract/index.js';
import type { CredentialState, RecordedFailure, StateStore } from '../../lambda/core/ports.js';
import { RefreshFailure } from '../../lambda/core/refresh.js';
import type { EventQueue, Recorder, SimClock } from './fleet.js';

/** Lambda's async retries after a thrown error: about 1 minute, then 2 more (AWS docs). */
export const LAMBDA_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** An async invoke reaches the refresher this long after the reader's Invoke call. */
export const ASYNC_INVOKE_LATENCY_MS = 100;

/** The state item of one set, with the claim's condition; every call counted as a DynamoDB read or write. */
export class SimStateStore implements StateStore {
  #state: CredentialState = {};

  constructor(
    private readonly clock: SimClock,
    private readonly recorder: Recorder,
  ) {}

  async get(): Promise<CredentialState> {
    this.recorder.dynamoRead(this.clock.nowMs);
    return this.#state;
  }

  async recordFailure(_credential: string, failure: RecordedFailure): Promise<void> {
    this.recorder.dynamoWrite(this.clock.nowMs);
    this.#state = { ...this.#state, lastFailure: failure };
  }

  async recordSuccess(_credential: string, atSeconds: number): Promise<void> {
    this.recorder.dynamoWrite(this.clock.nowMs);
    this.#state = { ...this.#state, lastSuccessAt: atSeconds };
  }

  async claimRefreshRequest(
    _credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
  ): Promise<boolean> {
    // A failed condition is still a write request, billed and throttled like one.
    this.recorder.dynamoWrite(this.clock.nowMs);
    const previous = this.#state.refreshRequestedAt;
    if (previous !== undefined && previous >= notBeforeSeconds) return false;
    this.#state = { ...this.#state, refreshRequestedAt: atSeconds };
    return true;
  }
}

/**
 * Runs `refresh(reason)` as an asynchronous Lambda invoke: when it fails in a way the
 * refresher's handler rethrows, Lambda runs it twice more. The handler (refresh-outcome
 * middleware, decision D5) rethrows only retryable failures on asynchronous invokes, and
 * every invoke here is asynchronous (schedule, deploy, read-miss, rejected-token).
 */
export function asyncInvoker(
  context: { readonly queue: EventQueue; readonly clock: SimClock; readonly recorder: Recorder },
  refresh: (reason: RefreshReason) => Promise<unknown>,
): (reason: RefreshReason) => Promise<void> {
  const { queue, clock, recorder } = context;
  const run = async (reason: RefreshReason, attempt: number): Promise<void> => {
    recorder.refresherRun(clock.nowMs);
    try {
      await refresh(reason);
    } catch (error) {
      const thrown = !(error instanceof RefreshFailure) || error.retryable;
      const delay = LAMBDA_ASYNC_RETRY_DELAYS_MS[attempt];
      if (thrown && delay !== undefined) queue.schedule(clock.nowMs + delay, () => run(reason, attempt + 1));
    }
  };
  return (reason) => run(reason, 0);
}
