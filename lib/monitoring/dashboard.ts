/**
 * One CloudWatch dashboard per broker: what the operator runbook points at. Per credential
 * set: seconds of validity left, refreshes succeeded/failed, reads served/unavailable, its
 * reader's latency and errors; for the broker: token endpoint rejections by OAuth error
 * code, the failure queue and the state of every alarm.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { METRIC } from '../../contract/index.js';
import type { ITokenBroker } from '../token-broker-parts.js';
import { TOKEN_EXPIRY_ALARM_SECONDS } from './alarms.js';
import type { BrokerMetricName } from './metrics.js';
import { tokenEndpointRejectionsSearch } from './metrics.js';

/** One of the broker's per-credential `metricXxx` methods. */
type CredentialMetric = (credential: string, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;

const WIDTH = 8;
const HEIGHT = 6;

/** A set's reader, as the dashboard plots it. */
export interface DashboardReader {
  readonly name: string;
  readonly reader: lambda.IFunction;
}

/** Creates `Dashboard` in `scope`, showing `broker`'s metrics, its sets' `readers` and `alarms`. */
export function createDashboard(
  scope: Construct,
  broker: ITokenBroker,
  alarms: readonly cloudwatch.IAlarm[],
  readers: readonly DashboardReader[],
): cloudwatch.Dashboard {
  const names = broker.credentialNames;
  const { failureQueue } = broker;
  const fiveMinutes = Duration.minutes(5);
  const perCredential = (metric: CredentialMetric, metricName: BrokerMetricName, statistic = 'Sum') =>
    names.map((name) =>
      metric.call(broker, name, { statistic, period: fiveMinutes, label: `${name} ${metricName}` }),
    );

  const graph = (title: string, props: Omit<cloudwatch.GraphWidgetProps, 'title'>) =>
    new cloudwatch.GraphWidget({ title, width: WIDTH, height: HEIGHT, ...props });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(12),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: [...alarms],
      width: 24,
      height: 3,
    }),
  );
  dashboard.addWidgets(
    graph('Token seconds remaining (after each refresh attempt)', {
      left: perCredential(broker.metricTokenSecondsRemaining, METRIC.tokenSecondsRemaining, 'Minimum'),
      leftYAxis: { min: 0 },
      leftAnnotations: [{ value: TOKEN_EXPIRY_ALARM_SECONDS, label: 'alarm', color: '#d62728' }],
    }),
    graph('Refreshes succeeded / failed', {
      left: perCredential(broker.metricRefreshSucceeded, METRIC.refreshSucceeded),
      right: [
        ...perCredential(broker.metricRefreshFailed, METRIC.refreshFailed),
        ...perCredential(broker.metricSecretRejected, METRIC.secretRejected),
      ],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    graph('Token endpoint rejections by OAuth error code', {
      left: [tokenEndpointRejectionsSearch(names)],
      leftYAxis: { min: 0 },
    }),
  );
  dashboard.addWidgets(
    graph('Reads served / unavailable', {
      left: perCredential(broker.metricReadServed, METRIC.readServed),
      right: [
        ...perCredential(broker.metricReadUnavailable, METRIC.readUnavailable),
        ...perCredential(broker.metricRefreshRequested, METRIC.refreshRequested),
      ],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    graph('Reader latency (ms)', {
      left: readers.flatMap(({ name, reader }) => [
        reader.metricDuration({ statistic: 'p50', period: fiveMinutes, label: `${name} p50` }),
        reader.metricDuration({ statistic: 'p99', period: fiveMinutes, label: `${name} p99` }),
      ]),
      right: readers.map(({ name, reader }) =>
        reader.metricErrors({ statistic: 'Sum', period: fiveMinutes, label: `${name} errors` }),
      ),
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    graph('Failure queue (failed refreshes)', {
      left: [
        failureQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: fiveMinutes,
          label: 'messages',
        }),
      ],
      leftYAxis: { min: 0 },
    }),
  );
  return dashboard;
}
