import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICE } from '../../../contract/index.js';
import { DEFAULT_BROKER_CONFIG, loadBrokerConfig } from '../../../lib/config.js';
import type { CredentialAlarms } from '../../../lib/monitoring/alarms.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { type Synthesized, synthesize, testApp } from '../template.js';

const CREDENTIALS = ['sandbox', 'shared'] as const;
const { app, outdir } = testApp('infra-alarms');

// GIVEN the deployable stack with two credential sets and the context value alarmEmail
const alertingStack = new TokenBrokerStack(app, 'Alerting', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    alarmEmail: 'ops@example.com',
  }),
});
const broker = alertingStack.broker;

// GIVEN the stack without alarmEmail
const quietStack = new TokenBrokerStack(app, 'Quiet', { config: DEFAULT_BROKER_CONFIG });

let synthesized: Record<'alerting' | 'quiet', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { alerting: alertingStack, quiet: quietStack });
});

/** A per-credential alarm's expected name, metric and rule. */
interface CredentialAlarmCase {
  /** `AlarmName` is `<broker>-<kind>-<set>`: what the README's runbook lists. */
  readonly kind: string;
  readonly metricName: string;
  readonly service: string;
  readonly statistic: string;
  readonly period: number;
  readonly threshold: number;
  readonly comparison: string;
  readonly missing: string;
  /** Periods evaluated, all of which must breach (1 for the count alarms). */
  readonly periods: number;
}

const CREDENTIAL_ALARMS: Record<keyof CredentialAlarms, CredentialAlarmCase> = {
  refreshFailed: {
    kind: 'RefreshFailed',
    metricName: 'RefreshFailed',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
    periods: 1,
  },
  // "a rotated secret was rejected": alarms within the minute
  secretRejected: {
    kind: 'SecretRejected',
    metricName: 'SecretRejected',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 60,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
    periods: 1,
  },
  // Emitted once per refresh attempt: no report counts against it (missing data breaching),
  // and one report of at least 600 s in 13 five-minute periods (the 50-minute interval plus
  // 10 minutes, plus one period for their alignment) keeps it OK
  tokenExpiring: {
    kind: 'TokenExpiring',
    metricName: 'TokenSecondsRemaining',
    service: SERVICE.refresher,
    statistic: 'Minimum',
    period: 300,
    threshold: 600,
    comparison: 'LessThanThreshold',
    missing: 'breaching',
    periods: 13,
  },
  // The heartbeat: no success in two 50-minute intervals (20 five-minute periods, plus one for
  // their alignment), a silent metric included
  refreshOverdue: {
    kind: 'RefreshOverdue',
    metricName: 'RefreshSucceeded',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    comparison: 'LessThanThreshold',
    missing: 'breaching',
    periods: 21,
  },
  readUnavailable: {
    kind: 'ReadUnavailable',
    metricName: 'ReadUnavailable',
    service: SERVICE.reader,
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
    periods: 1,
  },
  // Counted by a refresh whose token will not outlive the next scheduled run by the default
  // validity: one hour holds at least one scheduled run (interval <= 54 min), so the alarm
  // stays in ALARM while every token is that short and clears an hour after the last one.
  tokenLifetimeTooShort: {
    kind: 'TokenLifetimeTooShort',
    metricName: 'TokenLifetimeTooShort',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 3600,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
    periods: 1,
  },
};

/** The topic the stack created from alarmEmail. */
function alarmTopic(): sns.Topic {
  const topic = alertingStack.alarmTopic;
  if (!topic) throw new Error('the stack created no alarm topic');
  return topic;
}

const topicActions = () => {
  const topic = { Ref: synthesized.alerting.logicalId(alarmTopic()) };
  return { AlarmActions: [topic], OKActions: [topic] };
};

const alarmProperties = (alarm: cloudwatch.IAlarm) => synthesized.alerting.resource(alarm).Properties;

describe('Construct: TokenBroker', () => {
  describe('alarms', () => {
    const cases = CREDENTIALS.flatMap((name) =>
      (Object.keys(CREDENTIAL_ALARMS) as (keyof CredentialAlarms)[]).map((kind) => [kind, name] as const),
    );

    it.each(cases)('alarms on %s of %s with its name, metric, threshold and topic actions', (kind, name) => {
      // THEN: the name is the stack's (the broker's) plus the kind and the set
      const expected = CREDENTIAL_ALARMS[kind];
      expect(alarmProperties(broker.credentialSet(name).alarms[kind])).toEqual({
        AlarmName: `Alerting-${expected.kind}-${name}`,
        AlarmDescription: expect.stringContaining(`credential set '${name}'`),
        Namespace: 'TokenBroker',
        MetricName: expected.metricName,
        Dimensions: [
          { Name: 'broker', Value: 'Alerting' },
          { Name: 'credential', Value: name },
          { Name: 'service', Value: expected.service },
        ],
        Statistic: expected.statistic,
        Period: expected.period,
        Threshold: expected.threshold,
        ComparisonOperator: expected.comparison,
        EvaluationPeriods: expected.periods,
        DatapointsToAlarm: expected.periods,
        TreatMissingData: expected.missing,
        ...topicActions(),
      });
    });

    it('sizes the heartbeat and TokenExpiring windows from the refresh interval', () => {
      // GIVEN a broker refreshing every 20 minutes
      const { app: shortApp } = testApp('infra-alarms-short');
      const stack = new TokenBrokerStack(shortApp, 'Short', {
        config: loadBrokerConfig({ credentials: [{ name: 'sandbox' }], refreshIntervalMinutes: 20 }),
      });
      const { alarms } = stack.broker.credentialSet('sandbox');
      const template = Template.fromStack(stack);
      const properties = (alarm: cloudwatch.Alarm) =>
        template.toJSON().Resources[stack.resolve((alarm.node.defaultChild as cloudwatch.CfnAlarm).logicalId)]
          .Properties;

      // THEN: two intervals are 40 minutes (8 periods + 1); one run's window is 30 minutes (6 + 1)
      expect(properties(alarms.refreshOverdue)).toMatchObject({
        AlarmName: 'Short-RefreshOverdue-sandbox',
        EvaluationPeriods: 9,
        DatapointsToAlarm: 9,
      });
      expect(properties(alarms.tokenExpiring)).toMatchObject({ EvaluationPeriods: 7, DatapointsToAlarm: 7 });
    });

    it('alarms on any reader-side failure (ReadFailed) within 5 minutes, not on refused callers', () => {
      // THEN
      expect(alarmProperties(broker.alarms.readerErrors)).toEqual({
        AlarmName: 'Alerting-ReaderErrors',
        AlarmDescription: expect.stringContaining('reader failed on its side'),
        Namespace: 'TokenBroker',
        MetricName: 'ReadFailed',
        Dimensions: [
          { Name: 'broker', Value: 'Alerting' },
          { Name: 'service', Value: 'token-broker-reader' },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        ...topicActions(),
      });
    });

    it('alarms as soon as a failed refresh waits in the failure queue', () => {
      // THEN
      expect(alarmProperties(broker.alarms.failureQueueNotEmpty)).toEqual({
        AlarmName: 'Alerting-FailureQueueNotEmpty',
        AlarmDescription: expect.stringContaining('failure queue'),
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [synthesized.alerting.logicalId(broker.failureQueue), 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        ...topicActions(),
      });
    });

    it('has six alarms per credential set and two for the broker, all listed in alarms.all', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Alarm', 6 * CREDENTIALS.length + 2);
      expect(broker.alarms.all).toHaveLength(6 * CREDENTIALS.length + 2);
      expect(new Set(broker.alarms.all).size).toBe(broker.alarms.all.length);
    });

    it('gives every alarm a distinct explicit name that starts with the broker name', () => {
      // THEN
      const names = Object.values(synthesized.alerting.template.findResources('AWS::CloudWatch::Alarm')).map(
        (alarm) => alarm.Properties.AlarmName as unknown,
      );
      expect(names).toHaveLength(6 * CREDENTIALS.length + 2);
      for (const name of names) expect(name).toMatch(/^Alerting-[A-Za-z]+(-[a-z0-9-]+)?$/);
      expect(new Set(names).size).toBe(names.length);
    });

    it('has no alarm action without a topic', () => {
      // THEN
      const alarms = Object.values(synthesized.quiet.template.findResources('AWS::CloudWatch::Alarm'));
      // one set: six of its own and the broker's two
      expect(alarms).toHaveLength(8);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toBeUndefined();
        expect(alarm.Properties.OKActions).toBeUndefined();
      }
    });
  });
});
