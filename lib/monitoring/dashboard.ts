/**
 * One CloudWatch dashboard per broker, named after it (lib/monitoring/names.ts): what the
 * operator runbook points at, laid out to be read at a glance, top to bottom:
 * - the state of every alarm;
 * - one row per credential set: the seconds its stored token has left (a line that falls
 *   between refreshes and jumps at each one, with the TokenExpiring threshold), its refresh
 *   outcomes, the token endpoint's refusals by OAuth error code, and its reads (served,
 *   unavailable, refresh requested);
 * - the readers: requests refused for the caller's mistake (ReadRefused) apart from the
 *   readers' own failures (ReadFailed, what ReaderErrors pages on; not AWS/Lambda Errors,
 *   which counts every refusal of an invoke), and each set's reader latency;
 * - the refresher: its errors and throttles, its duration, and the failure queue.
 * Counts and durations never share a chart, and no chart has a second axis.
 * `tools/render-dashboard.ts` turns the synthesized body into a summary and docs/dashboard.png.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { ITokenBroker } from '../token-broker-parts.js';
import { TOKEN_EXPIRY_ALARM_SECONDS } from './alarms.js';
import { tokenCountdown, tokenEndpointRejectionsSearch } from './metrics.js';
import { dashboardName } from './names.js';

/** Grid units (of 24 across) of one graph: four per row. */
const WIDTH = 6;
const HEIGHT = 6;
/** An alarm status widget lists at most 100 alarms (CloudWatch's limit). */
const ALARMS_PER_STATUS_WIDGET = 100;

/** Colours an operator reads without a legend: good, bad, warning, neutral. */
const COLOUR = {
  good: '#2ca02c',
  bad: '#d62728',
  warning: '#ff7f0e',
  neutral: '#1f77b4',
  other: '#9467bd',
} as const;

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
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: dashboardName(broker.brokerName),
    defaultInterval: Duration.hours(12),
  });
  dashboard.addWidgets(...alarmStatusWidgets(alarms));
  for (const name of broker.credentialNames) dashboard.addWidgets(...credentialRow(broker, name));
  dashboard.addWidgets(...readerRow(broker, readers));
  dashboard.addWidgets(...refresherRow(broker));
  return dashboard;
}

const fiveMinutes = Duration.minutes(5);
const countAxis = { min: 0, label: 'count', showUnits: false } as const;
const msAxis = { min: 0, label: 'ms', showUnits: false } as const;

const graph = (title: string, props: Omit<cloudwatch.GraphWidgetProps, 'title'>) =>
  new cloudwatch.GraphWidget({ title, width: WIDTH, height: HEIGHT, ...props });

/** The state of every alarm, in widgets of at most 100. */
function alarmStatusWidgets(alarms: readonly cloudwatch.IAlarm[]): cloudwatch.AlarmStatusWidget[] {
  const widgets: cloudwatch.AlarmStatusWidget[] = [];
  for (let start = 0; start < alarms.length; start += ALARMS_PER_STATUS_WIDGET) {
    const chunk = alarms.slice(start, start + ALARMS_PER_STATUS_WIDGET);
    widgets.push(
      new cloudwatch.AlarmStatusWidget({
        title: start === 0 ? 'Alarms' : `Alarms (${start + 1} to ${start + chunk.length})`,
        alarms: chunk,
        width: 24,
        // Six alarm tiles fit across a full-width row.
        height: 1 + Math.ceil(chunk.length / 6),
      }),
    );
  }
  return widgets;
}

/** One credential set's row: countdown, refresh outcomes, refusals by code, reads. */
function credentialRow(broker: ITokenBroker, name: string): cloudwatch.IWidget[] {
  const count = (metric: cloudwatch.Metric, label: string, color: string) =>
    metric.with({ statistic: 'Sum', period: fiveMinutes, label, color });
  return [
    graph(`${name}: token seconds remaining`, {
      left: [
        tokenCountdown(broker.metricTokenSecondsRemaining(name), `${name} seconds remaining`).with({
          color: COLOUR.neutral,
        }),
      ],
      leftYAxis: { min: 0, label: 'seconds', showUnits: false },
      leftAnnotations: [
        { value: TOKEN_EXPIRY_ALARM_SECONDS, label: 'TokenExpiring threshold', color: COLOUR.bad },
      ],
      legendPosition: cloudwatch.LegendPosition.HIDDEN,
    }),
    graph(`${name}: refresh outcomes`, {
      left: [
        count(broker.metricRefreshSucceeded(name), 'succeeded', COLOUR.good),
        count(broker.metricRefreshFailed(name), 'failed', COLOUR.bad),
        count(broker.metricSecretRejected(name), 'secret rejected', COLOUR.warning),
        count(broker.metricTokenLifetimeTooShort(name), 'lifetime too short', COLOUR.other),
      ],
      leftYAxis: countAxis,
    }),
    graph(`${name}: endpoint refusals by code`, {
      left: [tokenEndpointRejectionsSearch(broker.brokerName, name)],
      leftYAxis: countAxis,
    }),
    graph(`${name}: reads`, {
      left: [
        count(broker.metricReadServed(name), 'served', COLOUR.good),
        count(broker.metricReadUnavailable(name), 'unavailable (503)', COLOUR.bad),
        count(broker.metricRefreshRequested(name), 'refresh requested', COLOUR.neutral),
      ],
      leftYAxis: countAxis,
    }),
  ];
}

/** The readers of every set: callers' mistakes, the readers' own failures, latency. */
function readerRow(broker: ITokenBroker, readers: readonly DashboardReader[]): cloudwatch.IWidget[] {
  return [
    graph("Readers: refused (callers' mistakes)", {
      left: [
        broker.metricReadRefused({
          statistic: 'Sum',
          period: fiveMinutes,
          label: 'refused (400/404/405)',
          color: COLOUR.warning,
        }),
      ],
      leftYAxis: countAxis,
    }),
    graph('Readers: own failures (ReadFailed)', {
      left: [
        broker.metricReadFailed({
          statistic: 'Sum',
          period: fiveMinutes,
          label: 'failed (500)',
          color: COLOUR.bad,
        }),
      ],
      leftYAxis: countAxis,
      leftAnnotations: [{ value: 1, label: 'ReaderErrors threshold', color: COLOUR.bad }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Readers: duration p50 / p99 (ms)',
      width: 12,
      height: HEIGHT,
      left: readers.flatMap(({ name, reader }) => [
        reader.metricDuration({ statistic: 'p50', period: fiveMinutes, label: `${name} p50` }),
        reader.metricDuration({ statistic: 'p99', period: fiveMinutes, label: `${name} p99` }),
      ]),
      leftYAxis: msAxis,
    }),
  ];
}

/** The refresher's own health and the failure queue. */
function refresherRow(broker: ITokenBroker): cloudwatch.IWidget[] {
  const { refresher, failureQueue } = broker;
  return [
    graph('Refresher: errors and throttles', {
      left: [
        refresher.metricErrors({ statistic: 'Sum', period: fiveMinutes, label: 'errors', color: COLOUR.bad }),
        refresher.metricThrottles({
          statistic: 'Sum',
          period: fiveMinutes,
          label: 'throttles',
          color: COLOUR.warning,
        }),
      ],
      leftYAxis: countAxis,
    }),
    graph('Refresher: duration (ms)', {
      left: [
        refresher.metricDuration({ statistic: 'p50', period: fiveMinutes, label: 'p50' }),
        refresher.metricDuration({ statistic: 'Maximum', period: fiveMinutes, label: 'max' }),
      ],
      leftYAxis: msAxis,
    }),
    new cloudwatch.GraphWidget({
      title: 'Failure queue (failed refreshes)',
      width: 12,
      height: HEIGHT,
      left: [
        failureQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: fiveMinutes,
          label: 'messages',
          color: COLOUR.bad,
        }),
      ],
      leftYAxis: countAxis,
      leftAnnotations: [{ value: 1, label: 'FailureQueueNotEmpty threshold', color: COLOUR.bad }],
    }),
  ];
}
