/**
 * IdP outages (issue #13 item 4): the token endpoint answers 503 for 5, 15 or 30 minutes,
 * starting at the worst moment (as a scheduled refresh fires, so the stored token is the
 * oldest the schedule ever leaves), for the 50-minute schedule and a 25-minute one. Each row
 * reports the API calls callers saw fail and the seconds from the IdP's return to the first
 * fresh token stored, next to the outage tolerance the design states:
 * token lifetime − interval − default validity. The broker runs with its retry chain
 * (RETRY_CHAIN, decision 30), Lambda's async retries and the readers' self-healing.
 */
import { A55_TOKEN_LIFETIME_SECONDS, MIN_VALIDITY_SECONDS } from '../../contract/index.js';
import { tokenBroker } from './broker-strategy.js';
import { DAY_START_MS, type FleetParams, simulate } from './fleet.js';
import { LOAD_MODEL } from './token-load.js';

const MINUTE_MS = 60_000;

/** The outage table's inputs. */
export const OUTAGE_MODEL = {
  intervalsMinutes: [50, 25],
  outageMinutes: [5, 15, 30],
  containers: 10,
  /** The outage starts with the first scheduled run at or after this time. */
  notBeforeMs: DAY_START_MS + 6 * 60 * MINUTE_MS,
} as const;

/** Seconds of outage callers do not see at the worst moment: lifetime − interval − default validity. */
export function outageToleranceSeconds(intervalMinutes: number): number {
  return A55_TOKEN_LIFETIME_SECONDS - intervalMinutes * 60 - MIN_VALIDITY_SECONDS.default;
}

/** One row of the outage table. */
export interface OutageRow {
  readonly intervalMinutes: number;
  readonly outageSeconds: number;
  readonly toleranceSeconds: number;
  /** API calls that failed or used an expired token. */
  readonly callerVisibleFailures: number;
  readonly apiCalls: number;
  /** From the IdP's return to the first token stored after it; null if none was stored. */
  readonly recoverySeconds: number | null;
  readonly tokenRequests: number;
  readonly refusedTokenRequests: number;
  readonly refresherRuns: number;
}

/** One outage on one schedule. */
export async function runOutage(intervalMinutes: number, outageSeconds: number): Promise<OutageRow> {
  const intervalMs = intervalMinutes * MINUTE_MS;
  const params: FleetParams = {
    ...LOAD_MODEL.fleet,
    containers: OUTAGE_MODEL.containers,
    seed: LOAD_MODEL.seed,
  };
  const startMs = DAY_START_MS - params.warmupMs;
  // A schedule with its first run at the start, so its runs fall on startMs + k × interval.
  const firstRunAtOrAfter =
    startMs + Math.ceil((OUTAGE_MODEL.notBeforeMs - startMs) / intervalMs) * intervalMs;
  const outage = { fromMs: firstRunAtOrAfter, untilMs: firstRunAtOrAfter + outageSeconds * 1000 };
  const stored: number[] = [];
  const counters = await simulate(
    params,
    tokenBroker(
      { ...LOAD_MODEL.rules, refreshIntervalMs: intervalMs },
      { outage, schedulePhaseMs: 0, onTokenStored: (atMs) => stored.push(atMs) },
    ),
  );
  const recovered = stored.find((atMs) => atMs >= outage.untilMs);
  return {
    intervalMinutes,
    outageSeconds,
    toleranceSeconds: outageToleranceSeconds(intervalMinutes),
    callerVisibleFailures: counters.failedCalls + counters.expiredTokenCalls,
    apiCalls: counters.apiCalls,
    recoverySeconds: recovered === undefined ? null : (recovered - outage.untilMs) / 1000,
    tokenRequests: counters.tokenRequests,
    refusedTokenRequests: counters.rejectedTokenRequests,
    refresherRuns: counters.refresherRuns,
  };
}

/**
 * Every outage of {@link OUTAGE_MODEL} on both schedules, plus one per schedule a minute
 * shorter than its tolerance: the longest the design promises callers never see.
 */
export async function runOutages(): Promise<OutageRow[]> {
  const rows: OutageRow[] = [];
  for (const intervalMinutes of OUTAGE_MODEL.intervalsMinutes) {
    const lengths = [
      outageToleranceSeconds(intervalMinutes) - 60,
      ...OUTAGE_MODEL.outageMinutes.map((minutes) => minutes * 60),
    ];
    for (const outageSeconds of lengths) rows.push(await runOutage(intervalMinutes, outageSeconds));
  }
  return rows;
}
