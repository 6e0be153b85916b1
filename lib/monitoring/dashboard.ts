/**
 * One CloudWatch dashboard per broker: what the operator runbook points at. Per credential
 * set: seconds of validity left, refreshes succeeded/failed, reads served/unavailable; for
 * the broker: reader latency, token endpoint rejections by OAuth error code, the failure
 * queue and the state of every alarm.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC } from '../../lambda/core/telemetry.js';
import { TOKEN_EXPIRY_ALARM_SECONDS } from './alarms.js';
import { credentialMetric, tokenEndpointRejectionsSearch } from './metrics.js';

/** What {@link createDashboard} shows. */
export interface DashboardOptions {
  readonly credentialNames: readonly string[];
  readonly reader: lambda.IFunction;
  readonly failureQueue: sqs.IQueue;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const WIDTH = 8;
const HEIGHT = 6;

/** Creates `Dashboard` in `scope`. */
export function createDashboard(scope: Construct, options: DashboardOptions): cloudwatch.Dashboard {
  const names = options.credentialNames;
  const fiveMinutes = Duration.minutes(5);
  const perCredential = (metricName: (typeof METRIC)[keyof typeof METRIC], statistic = 'Sum') =>
    names.map((name) =>
      credentialMetric(metricName, name, { statistic, period: fiveMinutes, label: `${name} ${metricName}` }),
    );

  const graph = (title: string, props: Omit<cloudwatch.GraphWidgetProps, 'title'>) =>
    new cloudwatch.GraphWidget({ title, width: WIDTH, height: HEIGHT, ...props });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(12),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: [...options.alarms],
      width: 24,
      height: 3,
    }),
  );
  dashboard.addWidgets(
    graph('Token seconds remaining (after each refresh attempt)', {
      left: perCredential(METRIC.tokenSecondsRemaining, 'Minimum'),
      leftYAxis: { min: 0 },
      leftAnnotations: [{ value: TOKEN_EXPIRY_ALARM_SECONDS, label: 'alarm', color: '#d62728' }],
    }),
    graph('Refreshes succeeded / failed', {
      left: perCredential(METRIC.refreshSucceeded),
      right: [...perCredential(METRIC.refreshFailed), ...perCredential(METRIC.secretRejected)],
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
      left: perCredential(METRIC.readServed),
      right: [...perCredential(METRIC.readUnavailable), ...perCredential(METRIC.refreshRequested)],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    graph('Reader latency (ms)', {
      left: [
        options.reader.metricDuration({ statistic: 'p50', period: fiveMinutes, label: 'p50' }),
        options.reader.metricDuration({ statistic: 'p99', period: fiveMinutes, label: 'p99' }),
      ],
      right: [options.reader.metricErrors({ statistic: 'Sum', period: fiveMinutes, label: 'errors' })],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
    }),
    graph('Failure queue (failed refreshes)', {
      left: [
        options.failureQueue.metricApproximateNumberOfMessagesVisible({
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
