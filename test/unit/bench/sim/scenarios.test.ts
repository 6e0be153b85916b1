/**
 * The done-when of issue #11 on the one-day simulation (bench/sim/scenarios.ts): one caller
 * asking for the largest accepted minValiditySeconds every 10 s adds at most 48 token
 * requests to the scheduled ones; a rejected secret costs at most one token request per
 * refresh attempt; a caller reporting every token as rejected adds at most 48 as well.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenarios, type ScenarioRow } from '../../../../bench/sim/scenarios.js';

describe('Simulation: scenarios', () => {
  let rows: Record<ScenarioRow['scenario'], ScenarioRow>;

  beforeAll(async () => {
    rows = Object.fromEntries((await runScenarios()).map((row) => [row.scenario, row])) as typeof rows;
  }, 60_000);

  it('makes the scheduled requests alone when nothing disturbs the fleet', () => {
    expect(rows.baseline.tokenRequests).toBe(rows.baseline.scheduledRuns);
    expect(rows.baseline.refreshRequests).toBe(0);
    expect(rows.baseline.failedCalls).toBe(0);
  });

  it('lets a caller asking for the largest validity every 10 s add at most 48 requests a day', () => {
    const { tokenRequests, extraCallerReads, extraCallerServed } = rows.greedyCaller;
    expect(tokenRequests - rows.baseline.tokenRequests).toBeLessThanOrEqual(48);
    expect(extraCallerReads).toBe(8_640);
    // It is served, not refused: the reader refreshes for it once the token is half used.
    expect(extraCallerServed / extraCallerReads).toBeGreaterThan(0.99);
    expect(rows.greedyCaller.failedCalls).toBe(0);
  });

  it('costs at most one token request per refresh attempt while the secret is rejected', () => {
    const { tokenRequests, refresherRuns, rejectedTokenRequests, refreshRequests } = rows.rejectedSecret;
    expect(tokenRequests).toBeLessThanOrEqual(refresherRuns);
    expect(rejectedTokenRequests).toBeGreaterThan(0);
    // No Lambda retries and no self-healing: only the schedule runs.
    expect(refresherRuns).toBe(rows.baseline.refresherRuns);
    expect(refreshRequests).toBe(0);
  });

  it('adds at most 48 requests a day for both at once, and for a caller rejecting every token', () => {
    for (const row of [rows.greedyCallerAndRejectedSecret, rows.rejectingCaller]) {
      expect(row.tokenRequests - rows.baseline.tokenRequests).toBeLessThanOrEqual(48);
      expect(row.tokenRequests).toBeLessThanOrEqual(row.refresherRuns);
    }
  });
});
