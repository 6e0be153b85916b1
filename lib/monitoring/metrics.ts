/**
 * The broker's own CloudWatch metrics, as the Lambda code emits them (Powertools EMF,
 * see lambda/core/telemetry.ts): namespace `TokenBroker`, dimensions `service` and
 * `credential`. Alarms and the dashboard build their metrics here, so both match the
 * emitted dimension set exactly (CloudWatch matches a metric only on all its dimensions).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE } from '../../lambda/core/telemetry.js';

/** Which function emits a metric: its `service` dimension. */
export type BrokerService = keyof typeof SERVICE;

/** A metric name of {@link METRIC}. */
export type BrokerMetricName = (typeof METRIC)[keyof typeof METRIC];

/** Which function emits each per-credential metric. */
const EMITTED_BY: Record<BrokerMetricName, BrokerService> = {
  [METRIC.refreshSucceeded]: 'refresher',
  [METRIC.refreshFailed]: 'refresher',
  [METRIC.secretRejected]: 'refresher',
  [METRIC.tokenEndpointRejected]: 'refresher',
  [METRIC.tokenSecondsRemaining]: 'refresher',
  [METRIC.readServed]: 'reader',
  [METRIC.readUnavailable]: 'reader',
  [METRIC.refreshRequested]: 'reader',
  [METRIC.readFailed]: 'reader',
};

/** Options of {@link credentialMetric}. */
export interface CredentialMetricOptions {
  /** @default 'Sum' */
  readonly statistic?: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /**
   * Legend label on a dashboard.
   * @default - none (an alarm then renders as a plain MetricName/Namespace alarm)
   */
  readonly label?: string;
}

/**
 * One broker metric of one credential set, with the dimensions its function emits:
 * `service` (the refresher's or the reader's Powertools service name) and `credential`.
 */
export function credentialMetric(
  metricName: BrokerMetricName,
  credential: string,
  options: CredentialMetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: {
      [DIMENSION.service]: SERVICE[EMITTED_BY[metricName]],
      [DIMENSION.credential]: credential,
    },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label === undefined ? {} : { label: options.label }),
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
