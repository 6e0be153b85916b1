/**
 * The broker's own CloudWatch metrics, as the Lambda code emits them (Powertools EMF,
 * names in contract/telemetry.ts): namespace `TokenBroker`, dimensions `service` and
 * `credential`. The broker's `metricXxx` methods, its alarms and its dashboard all build
 * their metrics here, so each matches the emitted dimension set exactly (CloudWatch
 * matches a metric only on all its dimensions).
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
};

/**
 * One broker metric with the dimensions its function emits: `service` plus `dimensions`
 * (`credential`, and `errorCode` for rejections). Sum over 5 minutes unless `props` says
 * otherwise; no label unless given (an alarm then renders as a plain MetricName alarm).
 */
export function brokerMetric(
  metricName: BrokerMetricName,
  dimensions: Readonly<Record<string, string>>,
  props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...props,
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [DIMENSION.service]: SERVICE[EMITTED_BY[metricName]], ...dimensions },
  });
}

/**
 * Token endpoint rejections (HTTP 4xx) by OAuth error code, one series per credential and
 * code: a CloudWatch SEARCH over the `errorCode` dimension, since the codes are not known
 * at synth time. Limited to this broker's credential names, so a second broker in the same
 * account and region does not show up here.
 */
export function tokenEndpointRejectionsSearch(credentials: readonly string[]): cloudwatch.MathExpression {
  const dimensions = [DIMENSION.credential, DIMENSION.errorCode, DIMENSION.service].join(',');
  const names = credentials.map((name) => `${DIMENSION.credential}="${name}"`).join(' OR ');
  const search =
    `{${METRICS_NAMESPACE},${dimensions}} MetricName="${METRIC.tokenEndpointRejected}" ` +
    `${DIMENSION.service}="${SERVICE.refresher}" (${names})`;
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${search}', 'Sum', 300)`,
    usingMetrics: {},
    // Empty: each series is labelled by its own dimension values (credential, errorCode).
    label: '',
    period: Duration.minutes(5),
  });
}
