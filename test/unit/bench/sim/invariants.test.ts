/**
 * Invariants of the token-load simulation (bench/sim/): what each strategy must do by
 * construction, so a mistake in the simulation shows as a failing test, not as a number in
 * the README. Small fleets: the rules do not depend on the fleet size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY_START_MS, type FleetParams, type SimResult, simulate } from '../../../../bench/sim/fleet.js';
import { outageToleranceSeconds, runOutage } from '../../../../bench/sim/outage.js';
import { LOAD_MODEL, type StrategyKey, strategyFactories } from '../../../../bench/sim/token-load.js';

const MINUTES_PER_DAY = 1440;
const params = (containers: number, extra: Partial<FleetParams> = {}): FleetParams => ({
  ...LOAD_MODEL.fleet,
  containers,
  seed: LOAD_MODEL.seed,
  ...extra,
});

async function runAll(fleet: FleetParams): Promise<Record<StrategyKey, SimResult>> {
  const entries = [];
  for (const [key, create] of Object.entries(strategyFactories())) {
    entries.push([key, await simulate(fleet, create)] as const);
  }
  return Object.fromEntries(entries) as Record<StrategyKey, SimResult>;
}

describe('Simulation: steady state', () => {
  let small: Record<StrategyKey, SimResult>;
  let larger: Record<StrategyKey, SimResult>;

  beforeAll(async () => {
    small = await runAll(params(10));
    larger = await runAll(params(60));
  }, 60_000);

  it('makes the broker send one token request per scheduled run, whatever the fleet size', () => {
    // 1440 / 50 = 28.8: a day holds 28 or 29 runs, by the schedule's phase.
    const minutes = LOAD_MODEL.rules.refreshIntervalMs / 60_000;
    for (const fleet of [small, larger]) {
      expect(fleet.broker.tokenRequests).toBeGreaterThanOrEqual(Math.floor(MINUTES_PER_DAY / minutes));
      expect(fleet.broker.tokenRequests).toBeLessThanOrEqual(Math.ceil(MINUTES_PER_DAY / minutes));
    }
    expect(larger.broker.tokenRequests).toBe(small.broker.tokenRequests);
  });

  it('makes per-process caching send at least one token request per container started', () => {
    // Every start reads the secret once and is followed at once by a call that needs a token.
    for (const fleet of [small, larger]) {
      expect(fleet.perProcess.secretReads).toBeGreaterThan(0);
      expect(fleet.perProcess.tokenRequests).toBeGreaterThanOrEqual(fleet.perProcess.secretReads);
    }
  });

  it('reads the item on every call without a memory tier, and far less with one', () => {
    expect(small.readThrough.dynamoReads).toBe(small.readThrough.apiCalls);
    expect(small.memoryAndItem.dynamoReads).toBeLessThan(small.readThrough.dynamoReads / 10);
  });

  it('never lets the lease variant send more token requests than the variant without it', () => {
    expect(larger.memoryItemLease.tokenRequests).toBeLessThanOrEqual(larger.memoryAndItem.tokenRequests);
    expect(larger.memoryItemLease.peakTokenRequestsPerSecond).toBe(1);
  });

  it('counts every call once and never calls with an expired token or fails in steady state', () => {
    const calls = MINUTES_PER_DAY * 10;
    for (const result of Object.values(small)) {
      expect(result.apiCalls).toBe(calls);
      expect(result.expiredTokenCalls).toBe(0);
      expect(result.failedCalls).toBe(0);
    }
  });

  it('reports ordered latency percentiles, and waits on most calls only without a memory tier', () => {
    for (const result of Object.values(small)) {
      const { p50Ms, p99Ms, p999Ms, maxMs } = result.addedLatency;
      expect(p50Ms).toBeLessThanOrEqual(p99Ms);
      expect(p99Ms).toBeLessThanOrEqual(p999Ms);
      expect(p999Ms).toBeLessThanOrEqual(maxMs);
    }
    expect(small.readThrough.addedLatency.waitingShare).toBe(1);
    expect(small.broker.addedLatency.waitingShare).toBeLessThan(0.1);
  });

  it('counts reader invocations only for the broker, with a peak rate and concurrency of at least one', () => {
    expect(small.perProcess.brokerInvocations).toBe(0);
    expect(small.broker.brokerInvocations).toBeGreaterThan(0);
    expect(small.broker.peakReaderInvocationsPerSecond).toBeGreaterThanOrEqual(1);
    expect(small.broker.peakReaderConcurrency).toBeGreaterThanOrEqual(1);
  });
});

describe('Simulation: fleet events', () => {
  it('starts every container again after a deploy: per-process containers read the secret again, the broker sends no extra token request', async () => {
    // Prepare
    const steady = await runAll(params(30));

    // Act
    const deployed = await runAll(params(30, { deployAtMs: DAY_START_MS + 12 * 3_600_000 }));

    // Assess
    // The replaced containers start fresh lives, so fewer recycles follow: more starts, not 30 more.
    expect(deployed.perProcess.secretReads).toBeGreaterThan(steady.perProcess.secretReads);
    expect(deployed.broker.tokenRequests).toBe(steady.broker.tokenRequests);
    expect(deployed.broker.secretReads).toBe(steady.broker.secretReads);
  }, 60_000);

  it('adds the scale-out containers: three times the calls after the event', async () => {
    const result = await simulate(
      params(10, { scaleOut: { atMs: DAY_START_MS, factor: 3, withinMs: 60_000 } }),
      strategyFactories().perProcess,
    );
    // About 30 containers for the whole counted day (the new ones start within its first minute).
    expect(result.apiCalls).toBeGreaterThan(MINUTES_PER_DAY * 30 - 30);
    expect(result.apiCalls).toBeLessThanOrEqual(MINUTES_PER_DAY * 30);
  });
});

describe('Simulation: IdP outages', () => {
  it('states the tolerance as token lifetime − interval − default validity', () => {
    expect(outageToleranceSeconds(50)).toBe(300);
    expect(outageToleranceSeconds(25)).toBe(1800);
  });

  it('shows callers no failure for an outage shorter than the tolerance, and recovers within 90 s', async () => {
    for (const [interval, outageSeconds] of [
      [50, 240],
      [25, 900],
    ] as const) {
      const row = await runOutage(interval, outageSeconds);
      expect(row.outageSeconds).toBeLessThan(row.toleranceSeconds);
      expect(row.callerVisibleFailures).toBe(0);
      expect(row.recoverySeconds).not.toBeNull();
      expect(row.recoverySeconds as number).toBeLessThanOrEqual(90);
    }
  }, 60_000);

  it('lets callers see an outage longer than the tolerance, and still recovers within 90 s', async () => {
    const row = await runOutage(50, 900);
    expect(row.callerVisibleFailures).toBeGreaterThan(0);
    expect(row.refusedTokenRequests).toBeGreaterThan(0);
    expect(row.recoverySeconds as number).toBeLessThanOrEqual(90);
  }, 60_000);
});
