/**
 * The discrete-event engine of the token-endpoint load simulation: a fake clock, an
 * event queue, a fleet of consumer containers that call the A55 API at a steady rate
 * and are recycled now and then, and the counters every strategy reports.
 *
 * Time is simulated, never waited for: a day of 1,000 containers runs in seconds. Besides
 * steady recycling, a fleet may go through a full deploy (every container replaced at its
 * next call) or a scale-out (N to factor × N containers within a minute).
 */
import { seededRandom, uniform } from '../stats.js';
import { type AddedLatency, type LoadCounters, Recorder } from './recorder.js';

/** The counters every strategy reports (./recorder.ts), for the modules that import the fleet. */
export type { LoadCounters } from './recorder.js';

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
  /** A deploy of the consumer: every container started before it is replaced at its next call. */
  readonly deployAtMs?: number;
  /** A scale-out: `(factor - 1) × containers` more start, spread over `withinMs` from `atMs`. */
  readonly scaleOut?: { readonly atMs: number; readonly factor: number; readonly withinMs: number };
}

/** What {@link simulate} answers: the counters plus the added-latency distribution. */
export interface SimResult extends LoadCounters {
  readonly addedLatency: AddedLatency;
}

/** Epoch of the counted day; warm-up runs before it. A fixed date keeps ISO strings stable. */
export const DAY_START_MS = Date.UTC(2026, 0, 1);

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
): Promise<SimResult> {
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

  const startSlot = (slot: number, atMs: number, firstCallAtMs: number, warm: boolean): void => {
    // The first containers are part-way through their lives, as in a fleet that has been running.
    let endsAtMs = atMs + (warm ? fleetRandom() : 1) * lifetime();
    let startedAtMs = atMs;
    strategy.startContainer(slot, atMs);
    const tick = (): void | Promise<void> => {
      const nowMs = context.clock.nowMs;
      const deployed =
        params.deployAtMs !== undefined && startedAtMs < params.deployAtMs && nowMs >= params.deployAtMs;
      if (deployed) endsAtMs = nowMs;
      while (nowMs >= endsAtMs) {
        endsAtMs = Math.max(endsAtMs, nowMs) + lifetime();
        startedAtMs = nowMs;
        strategy.startContainer(slot, nowMs);
      }
      context.queue.schedule(nowMs + params.callIntervalMs, tick);
      return strategy.call(slot, nowMs);
    };
    context.queue.schedule(firstCallAtMs, tick);
  };
  for (let slot = 0; slot < params.containers; slot++) {
    startSlot(slot, startMs, startMs + fleetRandom() * params.callIntervalMs, true);
  }
  const { scaleOut } = params;
  if (scaleOut) {
    const added = Math.round((scaleOut.factor - 1) * params.containers);
    for (let index = 0; index < added; index++) {
      const slot = params.containers + index;
      const atMs = scaleOut.atMs + fleetRandom() * scaleOut.withinMs;
      // A new container makes its first call as soon as it starts (it was started for traffic).
      context.queue.schedule(atMs, () => startSlot(slot, atMs, atMs, false));
    }
  }

  for (let event = context.queue.pop(); event !== undefined; event = context.queue.pop()) {
    if (event.atMs >= endMs) break;
    context.clock.nowMs = event.atMs;
    const pending = event.run();
    // Only the broker strategy is async (it runs the real client and reader code).
    if (pending) await pending;
  }
  return { ...context.recorder.counters, addedLatency: context.recorder.addedLatency() };
}
