/**
 * What the fleet comparison leaves out and the scenarios need: the state item (refresh
 * claim, last failure and success, as the reader and the refresher use them), the reader's
 * asynchronous invoke of the refresher, and Lambda's two retries of an async invoke whose
 * handler threw. Counted like the DynamoDB and Lambda calls they stand for.
 */
import type { RefreshReason } from '../../contract/index.js';
import { MemoryStateStore } from '../../lambda/adapters/memory-state-store.js';
import type { CredentialState } from '../../lambda/core/ports.js';
import { RefreshFailure } from '../../lambda/core/refresh.js';
import type { EventQueue, SimClock } from './fleet.js';
import type { Recorder } from './recorder.js';

/** Lambda's async retries after a thrown error: about 1 minute, then 2 more (AWS docs). */
export const LAMBDA_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** An async invoke reaches the refresher this long after the reader's Invoke call. */
export const ASYNC_INVOKE_LATENCY_MS = 100;

/**
 * The state item of one set: the in-process state store (the DynamoDB store's contract: the
 * claim's condition, the retry lease), every call counted as the DynamoDB read or write it
 * stands for. A failed condition is still a write request, billed and throttled like one.
 */
export class SimStateStore extends MemoryStateStore {
  /** Every call, counted or not: what a reader's answer waited for. */
  calls = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly recorder: Recorder,
  ) {
    super();
  }

  #read(): void {
    this.calls++;
    this.recorder.dynamoRead(this.clock.nowMs);
  }

  #write(): void {
    this.calls++;
    this.recorder.dynamoWrite(this.clock.nowMs);
  }

  override async get(...args: Parameters<MemoryStateStore['get']>): Promise<CredentialState> {
    this.#read();
    return super.get(...args);
  }

  override async recordFailure(...args: Parameters<MemoryStateStore['recordFailure']>): Promise<void> {
    this.#write();
    return super.recordFailure(...args);
  }

  override async recordSuccess(...args: Parameters<MemoryStateStore['recordSuccess']>): Promise<void> {
    this.#write();
    return super.recordSuccess(...args);
  }

  override async claimRetry(...args: Parameters<MemoryStateStore['claimRetry']>): Promise<boolean> {
    this.#write();
    return super.claimRetry(...args);
  }

  override async startRetry(...args: Parameters<MemoryStateStore['startRetry']>): Promise<boolean> {
    this.#write();
    return super.startRetry(...args);
  }

  override async releaseRetry(...args: Parameters<MemoryStateStore['releaseRetry']>): Promise<void> {
    this.#write();
    return super.releaseRetry(...args);
  }

  override async claimRefreshRequest(
    ...args: Parameters<MemoryStateStore['claimRefreshRequest']>
  ): Promise<boolean> {
    this.#write();
    return super.claimRefreshRequest(...args);
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
