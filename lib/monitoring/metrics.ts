/**
 * The broker's own CloudWatch metrics, as the Lambda code emits them (Powertools EMF,
 * names in contract/telemetry.ts): namespace `TokenBroker`, dimensions `service`, `broker`
 * and `credential`. The broker's `metricXxx` methods, its alarms and its dashboard all build
 * their metrics here, so each matches the emitted dimension set exactly (CloudWatch
 * matches a metric only on all its dimensions) and no two brokers share one.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE } from '../../contract/index.js';

/** Which function emits a metric: its `service` dimension. */
type BrokerService = keyof typeof SERVICE;

/** A metric name of {@link METRIC}. */
export type BrokerMetricName = (typeof METRIC)[keyof typeof METRIC];

/** Which function emits each metric. */
const EMITTED_BY: Record<BrokerMetricName, BrokerService> = {
  [METRIC.refreshSucceeded]: 'refresher',
  [METRIC.refreshFailed]: 'refresher',
  [METRIC.secretRejected]: 'refresher',
  [METRIC.tokenEndpointRejected]: 'refresher',
  [METRIC.tokenSecondsRemaining]: 'refresher',
  [METRIC.tokenLifetimeTooShort]: 'refresher',
  [METRIC.readServed]: 'reader',
  [METRIC.readUnavailable]: 'reader',
  [METRIC.refreshRequested]: 'reader',
  [METRIC.readFailed]: 'reader',
  [METRIC.readRefused]: 'reader',
};

/**
 * One broker metric with the dimensions its function emits: `service`, `broker` plus
 * `dimensions` (`credential`, and `errorCode` for rejections). Sum over 5 minutes unless
 * `props` says otherwise; no label unless given (an alarm then renders as a plain MetricName
 * alarm).
 */
export function brokerMetric(
  metricName: BrokerMetricName,
  broker: string,
  dimensions: Readonly<Record<string, string>>,
  props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...props,
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: {
      [DIMENSION.service]: SERVICE[EMITTED_BY[metricName]],
      [DIMENSION.broker]: broker,
      ...dimensions,
    },
  });
}

/**
 * Token endpoint rejections (HTTP 4xx) of one credential set by OAuth error code, one
 * series per code: a CloudWatch SEARCH over the `errorCode` dimension, since the codes are
 * not known at synth time. Held to this broker and set, so no other broker's or set's
 * rejections show up here.
 */
export function tokenEndpointRejectionsSearch(broker: string, credential: string): cloudwatch.MathExpression {
  const dimensions = [DIMENSION.broker, DIMENSION.credential, DIMENSION.errorCode, DIMENSION.service].join(
    ',',
  );
  const search =
    `{${METRICS_NAMESPACE},${dimensions}} MetricName="${METRIC.tokenEndpointRejected}" ` +
    `${DIMENSION.service}="${SERVICE.refresher}" ${DIMENSION.broker}="${broker}" ` +
    `${DIMENSION.credential}="${credential}"`;
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${search}', 'Sum', 300)`,
    usingMetrics: {},
    // Empty: each series is labelled by its own dimension values (the errorCode).
    label: '',
    period: Duration.minutes(5),
  });
}

/**
 * Seconds the stored token has left, as a line that falls between refreshes: the refresher
 * reports `TokenSecondsRemaining` once per attempt (a dot per refresh), so the line is
 * computed as its expiry (value + the datapoint's time, `EPOCH`), carried forward to every
 * minute (`FILL(..., REPEAT)`), less that minute's time, and never below 0. Each
 * datapoint's time is the start of its minute, so the line is at most 60 s low.
 * @param secondsRemaining the set's TokenSecondsRemaining (Minimum; the period is set to 1 minute).
 */
export function tokenCountdown(
  secondsRemaining: cloudwatch.Metric,
  label: string,
): cloudwatch.MathExpression {
  const oneMinute = Duration.minutes(1);
  const expiresAt = new cloudwatch.MathExpression({
    expression: 'FILL(reported + EPOCH(reported), REPEAT)',
    usingMetrics: { reported: secondsRemaining.with({ statistic: 'Minimum', period: oneMinute }) },
    period: oneMinute,
    label: `${label} expiry`,
  });
  return new cloudwatch.MathExpression({
    expression: 'IF(expiry - EPOCH(expiry) > 0, expiry - EPOCH(expiry), 0)',
    usingMetrics: { expiry: expiresAt },
    period: oneMinute,
    label,
  });
}
