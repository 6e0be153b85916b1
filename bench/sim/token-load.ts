/**
 * Token-endpoint load over a simulated day: fleets of 1 to 1,000 consumer containers,
 * each strategy of ./strategies.ts run on the same fleet. Deterministic: a fixed seed,
 * a fake clock, no I/O.
 */
import type { FleetParams, LoadCounters, SimContext, Strategy } from './fleet.js';
import { simulate } from './fleet.js';
import { perProcessCaching, readThroughCache, type TokenRules, tokenBroker } from './strategies.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The modelled world; printed with the results so the numbers can be judged. */
export const LOAD_MODEL = {
  seed: 20_260_101,
  fleetSizes: [1, 10, 100, 1000],
  fleet: {
    warmupMs: 4 * HOUR_MS,
    durationMs: 24 * HOUR_MS,
    // One A55 API call a minute per container: steady, modest traffic.
    callIntervalMs: MINUTE_MS,
    // Lambda recycles execution environments after minutes to hours; 2 h ± 30 min is typical.
    lifetimeMeanMs: 2 * HOUR_MS,
    lifetimeJitterMs: 30 * MINUTE_MS,
  },
  rules: {
    tokenLifetimeSeconds: 3600,
    refreshMarginSeconds: 300,
    // Cognito's token endpoint answers in a few hundred milliseconds.
    tokenLatencyMinMs: 150,
    tokenLatencyMaxMs: 450,
    refreshIntervalMs: 50 * MINUTE_MS,
    readerCacheSeconds: 30,
  } satisfies TokenRules,
} as const;

/** Labels of the compared strategies, in report order. */
export const STRATEGIES = {
  perProcess: '(a) per-process cache (reference A55Client)',
  readThrough: '(b) read-through DynamoDB cache, no single-flight',
  broker: '(c) this broker + TokenBrokerClient',
} as const;

/** One line of the load table. */
export interface LoadRow extends LoadCounters {
  readonly containers: number;
  readonly strategy: keyof typeof STRATEGIES;
}

/** Runs every strategy for every fleet size. */
export async function runTokenLoad(): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const strategies: Record<keyof typeof STRATEGIES, (context: SimContext) => Strategy> = {
    perProcess: perProcessCaching(LOAD_MODEL.rules),
    readThrough: readThroughCache(LOAD_MODEL.rules),
    broker: tokenBroker(LOAD_MODEL.rules),
  };
  for (const containers of LOAD_MODEL.fleetSizes) {
    const params: FleetParams = { ...LOAD_MODEL.fleet, containers, seed: LOAD_MODEL.seed };
    for (const [strategy, create] of Object.entries(strategies) as Array<
      [keyof typeof STRATEGIES, (context: SimContext) => Strategy]
    >) {
      rows.push({ containers, strategy, ...(await simulate(params, create)) });
    }
  }
  return rows;
}
