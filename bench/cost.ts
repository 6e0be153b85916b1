/**
 * Monthly cost per strategy and fleet size: the broker's fixed cost counted from the
 * synthesized template (keys, secrets, dashboards, alarm metrics, queues), plus every
 * strategy's variable cost from the simulated day's counts, at the list prices named in
 * {@link PRICES}; and the fleet size from which the broker is the cheaper one. A month is
 * 30 simulated days; free tiers are left out (they are per account, shared with other work).
 */
import type { Template } from '../tools/synthesized-handlers.js';
import type { LoadRow, StrategyKey } from './sim/token-load.js';

/** A price and where it comes from. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

const AWS_PRICING = 'AWS list price, us-east-1 (pricing page of the service), as of 2026';

/** Every price the cost table uses. */
export const PRICES = {
  cognitoTokenRequest: {
    usd: 2.25 / 1000,
    per: 'successful M2M token request (first tier: $2.25 per 1,000)',
    source: 'issue #13/#14: Cognito M2M pricing',
  },
  cognitoAppClient: { usd: 6, per: 'M2M app client per month', source: 'issue #13/#14: Cognito M2M pricing' },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'Lambda request', source: AWS_PRICING },
  lambdaGbSecondArm: { usd: 0.0000133334, per: 'GB-second, arm64', source: AWS_PRICING },
  dynamoRead: {
    usd: 0.125 / 1e6,
    per: 'on-demand read request unit (counted as 1 per read)',
    source: AWS_PRICING,
  },
  dynamoWrite: { usd: 0.625 / 1e6, per: 'on-demand write request unit', source: AWS_PRICING },
  kmsKey: { usd: 1, per: 'customer managed KMS key per month', source: AWS_PRICING },
  kmsRequest: {
    usd: 0.03 / 10_000,
    per: 'KMS request (one Decrypt per GetSecretValue)',
    source: AWS_PRICING,
  },
  secret: { usd: 0.4, per: 'secret per month', source: AWS_PRICING },
  secretApiCall: { usd: 0.05 / 10_000, per: 'Secrets Manager API call', source: AWS_PRICING },
  dashboard: { usd: 3, per: 'CloudWatch dashboard per month', source: AWS_PRICING },
  alarmMetric: { usd: 0.1, per: 'standard-resolution alarm metric per month', source: AWS_PRICING },
  customMetric: { usd: 0.3, per: 'custom metric per month (first 10,000)', source: AWS_PRICING },
  logIngestionGb: { usd: 0.5, per: 'GB of CloudWatch Logs ingested', source: AWS_PRICING },
  sqsRequest: { usd: 0.4 / 1e6, per: 'SQS request', source: AWS_PRICING },
} as const satisfies Record<string, Price>;

/** Assumptions the cost model needs beyond prices; printed with the table. */
export const COST_ASSUMPTIONS = {
  daysPerMonth: 30,
  /** Memory of the broker's functions (docs/design.md: 256 MB arm64). */
  brokerMemoryGb: 0.25,
  /** Billed ms of a reader invocation (a hit in memory, sometimes one GetItem). Assumption. */
  readerBilledMs: 5,
  /** Billed ms of a refresher run (Secrets Manager, one token request, two writes). Assumption. */
  refresherBilledMs: 500,
  /** Lambda's START, END and REPORT lines per invocation, bytes. Assumption (typical lengths). */
  platformLogBytesPerInvocation: 350,
  /** Receive requests a month of one idle SQS event source mapping (5 pollers, 20 s long polls). Assumption. */
  sqsIdleReceivesPerMonth: 5 * ((30 * 86_400) / 20),
  /** Custom metrics a set publishes every month in steady state: RefreshSucceeded, TokenSecondsRemaining, ReadServed. */
  steadyCustomMetricsPerSet: 3,
  /** Consumer memory, to price the time a consumer's call waits for its token. Assumption. */
  consumerMemoryGb: 0.5,
} as const;

/** The broker's fixed resources, counted from the synthesized template. */
export interface FixedResources {
  readonly credentialSets: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  readonly dashboards: number;
  readonly alarms: number;
  /** Metrics the alarms watch (a metric-math alarm is billed per metric). */
  readonly alarmMetrics: number;
  readonly eventSourceMappings: number;
  readonly functions: number;
}

type Resource = { readonly Type: string; readonly Properties?: Record<string, unknown> };

/** Counts what the broker's fixed monthly cost depends on. */
export function countResources(template: Template, credentialSets: number): FixedResources {
  const resources = Object.values(template.Resources) as Resource[];
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);
  const alarms = ofType('AWS::CloudWatch::Alarm');
  const alarmMetrics = alarms.reduce((sum, alarm) => {
    const metrics = alarm.Properties?.Metrics;
    if (!Array.isArray(metrics)) return sum + 1;
    return (
      sum + Math.max(1, metrics.filter((metric) => (metric as { MetricStat?: unknown }).MetricStat).length)
    );
  }, 0);
  return {
    credentialSets,
    kmsKeys: ofType('AWS::KMS::Key').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    alarms: alarms.length,
    alarmMetrics,
    eventSourceMappings: ofType('AWS::Lambda::EventSourceMapping').length,
    functions: ofType('AWS::Lambda::Function').length,
  };
}

/** One strategy's monthly cost at one fleet size, by item, in USD. */
export interface MonthlyCost {
  readonly strategy: StrategyKey;
  readonly containers: number;
  /** Successful token requests a month. */
  readonly tokenRequests: number;
  readonly items: Readonly<Record<string, number>>;
  readonly fixedUsd: number;
  readonly variableUsd: number;
  readonly totalUsd: number;
}

/** Bytes the broker logs per invocation (measured EMF and log lines, plus the platform's lines). */
export function logBytesPerInvocation(measuredHandlerBytes: number): number {
  return measuredHandlerBytes + COST_ASSUMPTIONS.platformLogBytesPerInvocation;
}

/** Monthly cost of one simulated day's row, scaled to {@link COST_ASSUMPTIONS.daysPerMonth}. */
export function monthlyCost(row: LoadRow, fixed: FixedResources, handlerLogBytes: number): MonthlyCost {
  const month = COST_ASSUMPTIONS.daysPerMonth;
  const successfulTokens = (row.tokenRequests - row.rejectedTokenRequests) * month;
  const consumerWaitGbS = (row.addedLatency.totalMs / 1000) * COST_ASSUMPTIONS.consumerMemoryGb * month;
  const items: Record<string, number> = {
    'Cognito token requests': successfulTokens * PRICES.cognitoTokenRequest.usd,
    'Cognito app client': PRICES.cognitoAppClient.usd,
    'Secrets Manager secret': PRICES.secret.usd,
    'GetSecretValue (+ KMS Decrypt)':
      row.secretReads * month * (PRICES.secretApiCall.usd + PRICES.kmsRequest.usd),
    'DynamoDB reads': row.dynamoReads * month * PRICES.dynamoRead.usd,
    'DynamoDB writes': row.dynamoWrites * month * PRICES.dynamoWrite.usd,
    'consumer time waiting for tokens': consumerWaitGbS * PRICES.lambdaGbSecondArm.usd,
  };
  let fixedUsd = PRICES.cognitoAppClient.usd + PRICES.secret.usd;
  if (row.strategy === 'broker') {
    const invocations = (row.brokerInvocations + row.refresherRuns) * month;
    const gbSeconds =
      (row.brokerInvocations * COST_ASSUMPTIONS.readerBilledMs +
        row.refresherRuns * COST_ASSUMPTIONS.refresherBilledMs) *
      (COST_ASSUMPTIONS.brokerMemoryGb / 1000) *
      month;
    const logGb = (invocations * logBytesPerInvocation(handlerLogBytes)) / 1024 ** 3;
    const brokerFixed = {
      'KMS keys': fixed.kmsKeys * PRICES.kmsKey.usd,
      dashboards: fixed.dashboards * PRICES.dashboard.usd,
      'alarm metrics': fixed.alarmMetrics * PRICES.alarmMetric.usd,
      'custom metrics':
        fixed.credentialSets * COST_ASSUMPTIONS.steadyCustomMetricsPerSet * PRICES.customMetric.usd,
      'SQS polling (retry queue)':
        fixed.eventSourceMappings * COST_ASSUMPTIONS.sqsIdleReceivesPerMonth * PRICES.sqsRequest.usd,
      // The template's extra secrets (beyond the set's own) are fixed too.
      'other secrets': Math.max(0, fixed.secrets - fixed.credentialSets) * PRICES.secret.usd,
    };
    Object.assign(items, brokerFixed, {
      'Lambda requests': invocations * PRICES.lambdaRequest.usd,
      'Lambda duration': gbSeconds * PRICES.lambdaGbSecondArm.usd,
      'log ingestion': logGb * PRICES.logIngestionGb.usd,
    });
    fixedUsd += Object.values(brokerFixed).reduce((sum, value) => sum + value, 0);
  }
  const totalUsd = Object.values(items).reduce((sum, value) => sum + value, 0);
  return {
    strategy: row.strategy,
    containers: row.containers,
    tokenRequests: successfulTokens,
    items,
    fixedUsd,
    variableUsd: totalUsd - fixedUsd,
    totalUsd,
  };
}

/** Where the broker's total cost falls below another strategy's. */
export interface BreakEven {
  readonly against: StrategyKey;
  /** Smallest fleet (containers, interpolated linearly between simulated sizes) where the broker is cheaper; null if none up to the largest simulated. */
  readonly containers: number | null;
}

/**
 * The first fleet size at which (c) costs less than `against`, with every strategy's cost
 * interpolated linearly between the simulated fleet sizes (each is close to linear in the
 * number of containers).
 */
export function breakEven(costs: readonly MonthlyCost[], against: StrategyKey): BreakEven {
  const of = (strategy: StrategyKey) =>
    costs.filter((cost) => cost.strategy === strategy).sort((a, b) => a.containers - b.containers);
  const broker = of('broker');
  const other = of(against);
  const sizes = broker
    .map((cost) => cost.containers)
    .filter((size) => other.some((cost) => cost.containers === size));
  const gap = (size: number) =>
    (broker.find((cost) => cost.containers === size)?.totalUsd ?? Number.NaN) -
    (other.find((cost) => cost.containers === size)?.totalUsd ?? Number.NaN);
  for (const [index, size] of sizes.entries()) {
    if (gap(size) > 0) continue;
    if (index === 0) return { against, containers: size };
    const previous = sizes[index - 1] as number;
    const [before, after] = [gap(previous), gap(size)];
    // The gap falls from positive to at most zero between the two sizes.
    return { against, containers: Math.ceil(previous + ((size - previous) * before) / (before - after)) };
  }
  return { against, containers: null };
}
