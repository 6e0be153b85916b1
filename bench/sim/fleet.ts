/**
 * The discrete-event engine of the token-endpoint load simulation: a fake clock, an
 * event queue, a fleet of consumer containers that call the A55 API at a steady rate
 * and are recycled now and then, and the counters every strategy reports.
 *
 * Time is simulated, never waited for: a day of 1,000 containers runs in seconds.
 */
import { seededRandom, uniform } from '../stats.js';

/** What the simulated world looks like. All durations in milliseconds. */
export interface FleetParams {
  /** Consumer containers alive at any moment. */
  readonly containers: number;
  /** PRNG seed: the same seed gives the same fleet (call times, recycles) to every strategy. */
  readonly seed: number;
  /** Simulated before counting starts, so the day begins in steady state, not with a cold fleet. */
  readonly warmupMs: number;
  /** Counted period. */
  readonly durationMs: number;
  /** Each container calls the A55 API this often. */
  readonly callIntervalMs: number;
  /** Container lifetime: uniform in [mean - jitter, mean + jitter]. */
  readonly lifetimeMeanMs: number;
  readonly lifetimeJitterMs: number;
}

/** Epoch of the counted day; warm-up runs before it. A fixed date keeps ISO strings stable. */
export const DAY_START_MS = Date.UTC(2026, 0, 1);

/** Counters of one strategy over the counted period. */
export interface LoadCounters {
  apiCalls: number;
  /** Requests to the OAuth 2.0 token endpoint (Cognito). */
  tokenRequests: number;
  /** Invocations of the broker's reader Lambda. */
  brokerInvocations: number;
  dynamoReads: number;
  dynamoWrites: number;
  /** API calls made with a token past its expiry: each would be a 401. */
  expiredTokenCalls: number;
  /** API calls that got no token at all (e.g. the broker refused). */
  failedCalls: number;
  /** Most token requests in any one second: what a rate limit (HTTP 429) sees. */
  peakTokenRequestsPerSecond: number;
  /** Token requests the endpoint refused (a rejected secret). */
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

/** Records what happens; only events inside the counted period are counted. */
export class Recorder {
  readonly counters: LoadCounters = {
    apiCalls: 0,
    tokenRequests: 0,
    brokerInvocations: 0,
    dynamoReads: 0,
    dynamoWrites: 0,
    expiredTokenCalls: 0,
    failedCalls: 0,
    peakTokenRequestsPerSecond: 0,
    rejectedTokenRequests: 0,
    refresherRuns: 0,
    refreshRequests: 0,
    extraCallerReads: 0,
    extraCallerServed: 0,
  };
  readonly #perSecond = new Map<number, number>();

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
    const second = Math.floor(atMs / 1000);
    const inSecond = (this.#perSecond.get(second) ?? 0) + 1;
    this.#perSecond.set(second, inSecond);
    this.counters.peakTokenRequestsPerSecond = Math.max(this.counters.peakTokenRequestsPerSecond, inSecond);
  }

  /** An A55 API call at `atMs` made with a token that expires at `tokenExpiresAtMs`. */
  apiCall(atMs: number, tokenExpiresAtMs: number): void {
    if (!this.#counts(atMs)) return;
    this.counters.apiCalls++;
    if (tokenExpiresAtMs <= atMs) this.counters.expiredTokenCalls++;
  }

  failedCall(atMs: number): void {
    if (!this.#counts(atMs)) return;
    this.counters.apiCalls++;
    this.counters.failedCalls++;
  }

  brokerInvocation(atMs: number): void {
    if (this.#counts(atMs)) this.counters.brokerInvocations++;
  }

  dynamoRead(atMs: number): void {
    if (this.#counts(atMs)) this.counters.dynamoReads++;
  }

  dynamoWrite(atMs: number): void {
    if (this.#counts(atMs)) this.counters.dynamoWrites++;
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
}

/** The fake clock every strategy (and the real broker code under simulation) reads. */
export class SimClock {
  nowMs = 0;
  readonly now = (): number => this.nowMs;
}

type Action = () => void | Promise<void>;

interface QueuedEvent {
  readonly atMs: number;
  /** Insertion order: equal times run first-in, first-out, so runs are deterministic. */
  readonly seq: number;
  readonly run: Action;
}

/** A binary min-heap of events ordered by (time, insertion). */
export class EventQueue {
  readonly #heap: QueuedEvent[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  schedule(atMs: number, run: Action): void {
    const heap = this.#heap;
    heap.push({ atMs, seq: this.#seq++, run });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as QueuedEvent, heap[parent] as QueuedEvent)) break;
      [heap[index], heap[parent]] = [heap[parent] as QueuedEvent, heap[index] as QueuedEvent];
      index = parent;
    }
  }

  pop(): QueuedEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left] as QueuedEvent, heap[smallest] as QueuedEvent))
        smallest = left;
      if (right < heap.length && before(heap[right] as QueuedEvent, heap[smallest] as QueuedEvent))
        smallest = right;
      if (smallest === index) return top;
      [heap[index], heap[smallest]] = [heap[smallest] as QueuedEvent, heap[index] as QueuedEvent];
      index = smallest;
    }
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** How a caching strategy reacts to the fleet. */
export interface Strategy {
  /** A new container starts in `slot` (the first one, or a replacement after a recycle). */
  startContainer(slot: number, nowMs: number): void;
  /** The container in `slot` calls the A55 API once. */
  call(slot: number, nowMs: number): void | Promise<void>;
}

/** What a strategy gets to build itself with. */
export interface SimContext {
  readonly params: FleetParams;
  readonly clock: SimClock;
  readonly queue: EventQueue;
  readonly recorder: Recorder;
  /** Simulation start (warm-up included) and end of the counted period. */
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Runs one strategy through the warm-up and the counted period. Every strategy sees the
 * same fleet: call times and recycles come from their own PRNG seeded with `params.seed`.
 */
export async function simulate(
  params: FleetParams,
  createStrategy: (context: SimContext) => Strategy,
): Promise<LoadCounters> {
  const startMs = DAY_START_MS - params.warmupMs;
  const endMs = DAY_START_MS + params.durationMs;
  const context: SimContext = {
    params,
    clock: new SimClock(),
    queue: new EventQueue(),
    recorder: new Recorder(DAY_START_MS, endMs),
    startMs,
    endMs,
  };
  const strategy = createStrategy(context);
  const fleetRandom = seededRandom(params.seed);
  const lifetime = () =>
    uniform(
      fleetRandom,
      params.lifetimeMeanMs - params.lifetimeJitterMs,
      params.lifetimeMeanMs + params.lifetimeJitterMs,
    );

  for (let slot = 0; slot < params.containers; slot++) {
    // The first containers are part-way through their lives, as in a fleet that has been running.
    let endsAtMs = startMs + fleetRandom() * lifetime();
    strategy.startContainer(slot, startMs);
    const tick = (): void | Promise<void> => {
      const nowMs = context.clock.nowMs;
      while (nowMs >= endsAtMs) {
        endsAtMs += lifetime();
        strategy.startContainer(slot, nowMs);
      }
      context.queue.schedule(nowMs + params.callIntervalMs, tick);
      return strategy.call(slot, nowMs);
    };
    context.queue.schedule(startMs + fleetRandom() * params.callIntervalMs, tick);
  }

  for (let event = context.queue.pop(); event !== undefined; event = context.queue.pop()) {
    if (event.atMs >= endMs) break;
    context.clock.nowMs = event.atMs;
    const pending = event.run();
    // Only the broker strategy is async (it runs the real client and reader code).
    if (pending) await pending;
  }
  return context.recorder.counters;
}
