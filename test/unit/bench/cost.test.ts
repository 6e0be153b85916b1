/**
 * The cost arithmetic of the bench (bench/cost.ts): counting the fixed resources of a
 * template, pricing a simulated day, and finding the break-even fleet size.
 */
import { describe, expect, it } from 'vitest';
import { breakEven, countResources, type MonthlyCost, monthlyCost, PRICES } from '../../../bench/cost.js';
import type { LoadRow } from '../../../bench/sim/token-load.js';

const fixed = {
  credentialSets: 1,
  kmsKeys: 2,
  secrets: 1,
  dashboards: 1,
  alarms: 5,
  alarmMetrics: 6,
  eventSourceMappings: 1,
  functions: 3,
};

function row(strategy: LoadRow['strategy'], counts: Partial<LoadRow> = {}): LoadRow {
  return {
    containers: 10,
    strategy,
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
    addedLatency: { p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, waitingShare: 0, totalMs: 0 },
    ...counts,
  };
}

describe('Function: countResources', () => {
  it('counts keys, secrets, dashboards, alarms and the metrics a metric-math alarm watches', () => {
    // Prepare
    const template = {
      Resources: {
        K1: { Type: 'AWS::KMS::Key' },
        K2: { Type: 'AWS::KMS::Key' },
        S: { Type: 'AWS::SecretsManager::Secret' },
        D: { Type: 'AWS::CloudWatch::Dashboard' },
        A1: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'RefreshFailed' } },
        A2: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: 'm1+m2' }] },
        },
        E: { Type: 'AWS::Lambda::EventSourceMapping' },
        F: { Type: 'AWS::Lambda::Function' },
      },
    };

    // Act
    const counted = countResources(template as never, 1);

    // Assess
    expect(counted).toEqual({
      credentialSets: 1,
      kmsKeys: 2,
      secrets: 1,
      dashboards: 1,
      alarms: 2,
      alarmMetrics: 3,
      eventSourceMappings: 1,
      functions: 1,
    });
  });
});

describe('Function: monthlyCost', () => {
  it('bills only successful token requests at the Cognito price, for 30 days', () => {
    const cost = monthlyCost(
      row('perProcess', { tokenRequests: 100, rejectedTokenRequests: 20 }),
      fixed,
      500,
    );
    expect(cost.tokenRequests).toBe(80 * 30);
    expect(cost.items['Cognito token requests']).toBeCloseTo(80 * 30 * PRICES.cognitoTokenRequest.usd, 10);
  });

  it('gives the broker its counted fixed resources and the other strategies only the app client and secret', () => {
    const other = monthlyCost(row('perProcess'), fixed, 500);
    const broker = monthlyCost(row('broker'), fixed, 500);
    expect(other.fixedUsd).toBeCloseTo(PRICES.cognitoAppClient.usd + PRICES.secret.usd, 10);
    expect(broker.fixedUsd - other.fixedUsd).toBeGreaterThanOrEqual(
      2 * PRICES.kmsKey.usd + PRICES.dashboard.usd + 6 * PRICES.alarmMetric.usd,
    );
    expect(broker.totalUsd).toBeCloseTo(broker.fixedUsd + broker.variableUsd, 10);
  });
});

describe('Function: breakEven', () => {
  const cost = (strategy: MonthlyCost['strategy'], containers: number, totalUsd: number): MonthlyCost => ({
    strategy,
    containers,
    tokenRequests: 0,
    items: {},
    fixedUsd: 0,
    variableUsd: totalUsd,
    totalUsd,
  });

  it('interpolates linearly between the simulated sizes where the broker becomes cheaper', () => {
    // The broker costs 20 flat; (a) 2 per container: equal at 10.
    const costs = [1, 100].flatMap((size) => [cost('broker', size, 20), cost('perProcess', size, 2 * size)]);
    expect(breakEven(costs, 'perProcess')).toEqual({ against: 'perProcess', containers: 10 });
  });

  it('answers null when the broker is dearer at every simulated size', () => {
    const costs = [1, 100].flatMap((size) => [cost('broker', size, 20), cost('memoryAndItem', size, 1)]);
    expect(breakEven(costs, 'memoryAndItem').containers).toBeNull();
  });

  it('answers the smallest size when the broker is cheaper from the start', () => {
    const costs = [1, 100].flatMap((size) => [cost('broker', size, 1), cost('perProcess', size, 5)]);
    expect(breakEven(costs, 'perProcess').containers).toBe(1);
  });
});
