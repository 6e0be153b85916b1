/**
 * What one simulated strategy did, counted over the counted period only: API calls and the
 * latency each added, token requests and their peak rate, reader invocations and their peak
 * rate and concurrency, DynamoDB and Secrets Manager calls, failures.
 */
import { percentileWithZeros } from '../stats.js';

/** Counters of one strategy over the counted period. */
export interface LoadCounters {
  apiCalls: number;
  /** Requests to the OAuth 2.0 token endpoint (Cognito). */
  tokenRequests: number;
  /** Invocations of the broker's reader Lambda. */
  brokerInvocations: number;
  /** Of those, the ones that started a new reader execution environment (a cold start). */
  readerColdStarts: number;
  /** Most reader invocations in any one second. */
  peakReaderInvocationsPerSecond: number;
  /** Most reader executions running at once. */
  peakReaderConcurrency: number;
  dynamoReads: number;
  dynamoWrites: number;
  /** `GetSecretValue` calls: one per consumer start in (a)/(b*), one per refresher run in (c). */
  secretReads: number;
  /** API calls made with a token past its expiry: each would be a 401. */
  expiredTokenCalls: number;
  /** API calls that got no token at all (e.g. the broker refused). */
  failedCalls: number;
  /** Most token requests in any one second: what a rate limit (HTTP 429) sees. */
  peakTokenRequestsPerSecond: number;
  /** Token requests the endpoint refused (a rejected secret, an outage). */
  rejectedTokenRequests: number;
  /** Runs of the refresher: scheduled, asked for by a reader, and Lambda's async retries. */
  refresherRuns: number;
  /** Refreshes a reader asked for (self-healing, `rejected-token`). */
  refreshRequests: number;
  /** Reads of a scenario's extra caller, which invokes the reader without a client cache. */
  extraCallerReads: number;
  /** Of those, the reads answered with a token. */
  extraCallerServed: number;
}

/** Added latency per API call, in ms: p50, p99, p99.9 and the largest. */
export interface AddedLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Share of API calls that waited at all. */
  readonly waitingShare: number;
  /** Summed waits over the counted period: what the consumer is billed for waiting. */
  readonly totalMs: number;
}

/** Counts one second's events and keeps the busiest second. */
class PeakPerSecond {
  #second = Number.NaN;
  #count = 0;
  peak = 0;

  add(atMs: number): void {
    const second = Math.floor(atMs / 1000);
    // Events arrive in time order, so one running counter is enough.
    if (second !== this.#second) {
      this.#second = second;
      this.#count = 0;
    }
    this.#count += 1;
    this.peak = Math.max(this.peak, this.#count);
  }
}

/** Records what happens; only events inside the counted period are counted. */
export class Recorder {
  readonly counters: LoadCounters = {
    apiCalls: 0,
    tokenRequests: 0,
    brokerInvocations: 0,
    readerColdStarts: 0,
    peakReaderInvocationsPerSecond: 0,
    peakReaderConcurrency: 0,
    dynamoReads: 0,
    dynamoWrites: 0,
    secretReads: 0,
    expiredTokenCalls: 0,
    failedCalls: 0,
    peakTokenRequestsPerSecond: 0,
    rejectedTokenRequests: 0,
    refresherRuns: 0,
    refreshRequests: 0,
    extraCallerReads: 0,
    extraCallerServed: 0,
  };
  readonly #tokenPeak = new PeakPerSecond();
  readonly #invocationPeak = new PeakPerSecond();
  #callsWithoutWait = 0;
  readonly #waits: number[] = [];

  constructor(
    private readonly startMs: number,
    private readonly endMs: number,
  ) {}

  #counts(atMs: number): boolean {
    return atMs >= this.startMs && atMs < this.endMs;
  }

  tokenRequest(atMs: number): void {
    if (!this.#counts(atMs)) return;
    this.counters.tokenRequests++;
    this.#tokenPeak.add(atMs);
    this.counters.peakTokenRequestsPerSecond = this.#tokenPeak.peak;
  }

  /**
   * An A55 API call at `atMs` made with a token that expires at `tokenExpiresAtMs`, after
   * waiting `addedMs` for that token (0: it was in memory).
   */
  apiCall(atMs: number, tokenExpiresAtMs: number, addedMs = 0): void {
    if (!this.#counts(atMs)) return;
    this.counters.apiCalls++;
    if (tokenExpiresAtMs <= atMs) this.counters.expiredTokenCalls++;
    this.#wait(addedMs);
  }

  /** An API call that got no token, after waiting `addedMs` for the refusal. */
  failedCall(atMs: number, addedMs = 0): void {
    if (!this.#counts(atMs)) return;
    this.counters.apiCalls++;
    this.counters.failedCalls++;
    this.#wait(addedMs);
  }

  #wait(addedMs: number): void {
    if (addedMs > 0) this.#waits.push(addedMs);
    else this.#callsWithoutWait++;
  }

  /** A reader invocation; `concurrency` counts the executions running, this one included. */
  brokerInvocation(atMs: number, cold = false, concurrency = 1): void {
    if (!this.#counts(atMs)) return;
    this.counters.brokerInvocations++;
    if (cold) this.counters.readerColdStarts++;
    this.#invocationPeak.add(atMs);
    this.counters.peakReaderInvocationsPerSecond = this.#invocationPeak.peak;
    this.counters.peakReaderConcurrency = Math.max(this.counters.peakReaderConcurrency, concurrency);
  }

  dynamoRead(atMs: number): void {
    if (this.#counts(atMs)) this.counters.dynamoReads++;
  }

  dynamoWrite(atMs: number): void {
    if (this.#counts(atMs)) this.counters.dynamoWrites++;
  }

  secretRead(atMs: number): void {
    if (this.#counts(atMs)) this.counters.secretReads++;
  }

  /** The token endpoint refused the request at `atMs` (also counted by {@link tokenRequest}). */
  rejectedTokenRequest(atMs: number): void {
    if (this.#counts(atMs)) this.counters.rejectedTokenRequests++;
  }

  refresherRun(atMs: number): void {
    if (this.#counts(atMs)) this.counters.refresherRuns++;
  }

  refreshRequest(atMs: number): void {
    if (this.#counts(atMs)) this.counters.refreshRequests++;
  }

  /** A read of a scenario's extra caller; `served` when it got a token. */
  extraCallerRead(atMs: number, served: boolean): void {
    if (!this.#counts(atMs)) return;
    this.counters.extraCallerReads++;
    if (served) this.counters.extraCallerServed++;
  }

  /** The added-latency distribution over every counted API call. */
  addedLatency(): AddedLatency {
    const sorted = [...this.#waits].sort((a, b) => a - b);
    const zeros = this.#callsWithoutWait;
    const total = zeros + sorted.length;
    if (total === 0) return { p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, waitingShare: 0, totalMs: 0 };
    return {
      p50Ms: percentileWithZeros(zeros, sorted, 50),
      p99Ms: percentileWithZeros(zeros, sorted, 99),
      p999Ms: percentileWithZeros(zeros, sorted, 99.9),
      maxMs: sorted.at(-1) ?? 0,
      waitingShare: sorted.length / total,
      totalMs: sorted.reduce((sum, value) => sum + value, 0),
    };
  }
}
