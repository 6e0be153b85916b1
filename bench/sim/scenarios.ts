/**
 * What one caller, or one broken secret, can do to token-endpoint traffic (issue #11, item
 * 2 and 4): a simulated day of (c), the broker, with self-healing on, for a small fleet plus
 * one perturbation each. Deterministic like ./token-load.ts, whose model it shares.
 *
 * - baseline: the fleet alone, self-healing on: the 29 scheduled requests a day.
 * - greedy caller: one more caller invokes the reader every 10 s asking for the largest
 *   `minValiditySeconds` the contract accepts, with no client cache: it may add at most
 *   48 requests (one per 30 minutes: decision D2).
 * - rejected secret: the token endpoint answers 401 invalid_client from 06:00 on; every
 *   refresh attempt costs at most one request (no Lambda retries, no self-healing: D4, D5).
 * - both at once.
 * - rejecting caller: one caller reports every token it is served as rejected
 *   (`rejectedTokenHash`) on its next read, every 10 s; what "not this token" (D3) costs at worst.
 */
import { MIN_VALIDITY_SECONDS } from '../../contract/index.js';
import { type BrokerScenario, tokenBroker } from './broker-strategy.js';
import { DAY_START_MS, type FleetParams, type LoadCounters, simulate } from './fleet.js';
import { LOAD_MODEL } from './token-load.js';

const HOUR_MS = 3_600_000;

/** Containers of the fleet under each scenario; their own traffic is what the baseline shows. */
export const SCENARIO_FLEET_CONTAINERS = 10;

/** The scenarios, by key: a label for the report and what changes. */
export const SCENARIOS = {
  baseline: { label: 'the fleet alone', scenario: {} },
  greedyCaller: {
    label: `+ one caller asking for minValiditySeconds ${MIN_VALIDITY_SECONDS.max} every 10 s, no client cache`,
    scenario: { extraCaller: { everyMs: 10_000, minValiditySeconds: MIN_VALIDITY_SECONDS.max } },
  },
  rejectedSecret: {
    label: 'the token endpoint answers 401 invalid_client from 06:00',
    scenario: { secretRejectedFromMs: DAY_START_MS + 6 * HOUR_MS },
  },
  greedyCallerAndRejectedSecret: {
    label: 'both of the above',
    scenario: {
      secretRejectedFromMs: DAY_START_MS + 6 * HOUR_MS,
      extraCaller: { everyMs: 10_000, minValiditySeconds: MIN_VALIDITY_SECONDS.max },
    },
  },
  rejectingCaller: {
    label: '+ one caller reporting every token it is served as rejected (rejectedTokenHash), every 10 s',
    scenario: { extraCaller: { everyMs: 10_000, minValiditySeconds: 300, rejectsEveryToken: true } },
  },
} as const satisfies Record<string, { label: string; scenario: BrokerScenario }>;

/** One line of the scenario table. */
export interface ScenarioRow extends LoadCounters {
  readonly scenario: keyof typeof SCENARIOS;
  /** Scheduled refresher runs in the counted day: the floor of token requests. */
  readonly scheduledRuns: number;
}

/** Runs every scenario on the same fleet. */
export async function runScenarios(): Promise<ScenarioRow[]> {
  const params: FleetParams = {
    ...LOAD_MODEL.fleet,
    containers: SCENARIO_FLEET_CONTAINERS,
    seed: LOAD_MODEL.seed,
  };
  const rows: ScenarioRow[] = [];
  for (const [key, { scenario }] of Object.entries(SCENARIOS) as Array<
    [keyof typeof SCENARIOS, { scenario: BrokerScenario }]
  >) {
    const { addedLatency: _latency, ...counters } = await simulate(
      params,
      tokenBroker(LOAD_MODEL.rules, scenario),
    );
    rows.push({ scenario: key, scheduledRuns: scheduledRuns(params), ...counters });
  }
  return rows;
}

/** How many times the 50-minute schedule fires in the counted day (28 or 29, by its phase). */
function scheduledRuns(params: FleetParams): number {
  return Math.round(params.durationMs / LOAD_MODEL.rules.refreshIntervalMs);
}
