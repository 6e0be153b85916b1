/**
 * Token-endpoint load over a simulated day, every strategy run on the same fleet: steady
 * fleets of 1 to 1,000 consumer containers, a full-fleet deploy, a scale-out from N to 3N
 * within a minute, and a sensitivity table over container lifetime and call interval.
 * Deterministic: a fixed seed, a fake clock, no I/O.
 */
import {
  A55_TOKEN_LIFETIME_SECONDS,
  MIN_VALIDITY_SECONDS,
  READER_CACHE_SECONDS,
} from '../../contract/index.js';
import { tokenBroker } from './broker-strategy.js';
import type { FleetParams, SimContext, SimResult, Strategy } from './fleet.js';
import { DAY_START_MS, simulate } from './fleet.js';
import { perProcessCaching, sharedItemCache, type TokenRules } from './strategies.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The modelled world; printed with the results so the numbers can be judged. */
export const LOAD_MODEL = {
  seed: 20_260_101,
  fleetSizes: [1, 10, 100, 1000],
  fleet: {
    warmupMs: 4 * HOUR_MS,
    durationMs: 24 * HOUR_MS,
    // Assumption: one A55 API call a minute per container, steady and modest traffic.
    callIntervalMs: MINUTE_MS,
    // Assumption: AWS does not publish how long Lambda keeps an environment; 2 h ± 30 min.
    lifetimeMeanMs: 2 * HOUR_MS,
    lifetimeJitterMs: 30 * MINUTE_MS,
  },
  rules: {
    tokenLifetimeSeconds: A55_TOKEN_LIFETIME_SECONDS,
    refreshMarginSeconds: MIN_VALIDITY_SECONDS.default,
    refreshIntervalMs: 50 * MINUTE_MS,
    readerCacheSeconds: READER_CACHE_SECONDS.default,
    // Assumption: a lease outlives a token request (hundreds of ms) many times over.
    leaseMs: 10_000,
    leasePollMs: 100,
  } satisfies TokenRules,
  /** The full-fleet deploy and the scale-out happen at 12:00 of the counted day. */
  eventAtMs: DAY_START_MS + 12 * HOUR_MS,
  deployContainers: 1000,
  scaleOut: { fromContainers: 333, factor: 3, withinMs: MINUTE_MS },
  sensitivity: {
    containers: 10,
    lifetimesMs: [30 * MINUTE_MS, 2 * HOUR_MS, 24 * HOUR_MS],
    callIntervalsMs: [1_000, 10_000, MINUTE_MS],
  },
} as const;

/** Labels of the compared strategies, in report order. */
export const STRATEGIES = {
  perProcess: '(a) per-process cache (reference A55Client)',
  readThrough: '(b) read-through DynamoDB item, no memory tier',
  memoryAndItem: '(b′) memory cache + shared DynamoDB item',
  memoryItemLease: '(b″) b′ + conditional-put lease (single-flight)',
  broker: '(c) this broker + TokenBrokerClient',
} as const;

/** A strategy key. */
export type StrategyKey = keyof typeof STRATEGIES;

/** One line of a load table. */
export interface LoadRow extends SimResult {
  readonly containers: number;
  readonly strategy: StrategyKey;
}

/** One cell of the sensitivity table: one strategy at one lifetime and call interval. */
export interface SensitivityRow extends LoadRow {
  readonly lifetimeMs: number;
  readonly callIntervalMs: number;
}

/** Everything the load simulation reports. */
export interface TokenLoadResults {
  readonly steady: readonly LoadRow[];
  readonly deploy: readonly LoadRow[];
  readonly scaleOut: readonly LoadRow[];
  readonly sensitivity: readonly SensitivityRow[];
}

/** The strategies, built from the model's rules. */
export function strategyFactories(
  rules: TokenRules = LOAD_MODEL.rules,
): Record<StrategyKey, (context: SimContext) => Strategy> {
  return {
    perProcess: perProcessCaching(rules),
    readThrough: sharedItemCache(rules, { memoryTier: false, lease: false }),
    memoryAndItem: sharedItemCache(rules, { memoryTier: true, lease: false }),
    memoryItemLease: sharedItemCache(rules, { memoryTier: true, lease: true }),
    broker: tokenBroker(rules),
  };
}

async function allStrategies(params: FleetParams): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  for (const [strategy, create] of Object.entries(strategyFactories()) as Array<
    [StrategyKey, (context: SimContext) => Strategy]
  >) {
    rows.push({ containers: params.containers, strategy, ...(await simulate(params, create)) });
  }
  return rows;
}

/** Options of {@link runTokenLoad}. */
export interface TokenLoadOptions {
  /** Fewer fleet sizes and sensitivity cells, for iterating on the bench itself. */
  readonly quick?: boolean;
}

/** Runs every table. */
export async function runTokenLoad(options: TokenLoadOptions = {}): Promise<TokenLoadResults> {
  const base = { ...LOAD_MODEL.fleet, seed: LOAD_MODEL.seed };
  const sizes = options.quick ? LOAD_MODEL.fleetSizes.filter((size) => size <= 100) : LOAD_MODEL.fleetSizes;
  const steady: LoadRow[] = [];
  for (const containers of sizes) steady.push(...(await allStrategies({ ...base, containers })));
  const scale = options.quick ? 0.1 : 1;
  const deploy = await allStrategies({
    ...base,
    containers: Math.round(LOAD_MODEL.deployContainers * scale),
    deployAtMs: LOAD_MODEL.eventAtMs,
  });
  const { fromContainers, factor, withinMs } = LOAD_MODEL.scaleOut;
  const scaleOut = await allStrategies({
    ...base,
    containers: Math.round(fromContainers * scale),
    scaleOut: { atMs: LOAD_MODEL.eventAtMs, factor, withinMs },
  });
  const sensitivity: SensitivityRow[] = [];
  const { containers, lifetimesMs, callIntervalsMs } = LOAD_MODEL.sensitivity;
  for (const lifetimeMs of lifetimesMs) {
    for (const callIntervalMs of options.quick ? callIntervalsMs.slice(1) : callIntervalsMs) {
      const params: FleetParams = {
        ...base,
        containers,
        callIntervalMs,
        lifetimeMeanMs: lifetimeMs,
        lifetimeJitterMs: lifetimeMs / 4,
        // Long enough that the first containers' random phase is past before counting.
        warmupMs: Math.max(base.warmupMs, lifetimeMs * 1.25),
      };
      for (const row of await allStrategies(params)) sensitivity.push({ ...row, lifetimeMs, callIntervalMs });
    }
  }
  return { steady, deploy, scaleOut, sensitivity };
}
