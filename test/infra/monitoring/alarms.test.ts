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

/** A per-credential alarm's expected metric and rule. */
interface CredentialAlarmCase {
  readonly metricName: string;
  readonly service: string;
  readonly statistic: string;
  readonly period: number;
  readonly threshold: number;
  readonly comparison: string;
  readonly missing: string;
}

const CREDENTIAL_ALARMS: Record<keyof CredentialAlarms, CredentialAlarmCase> = {
  refreshFailed: {
    metricName: 'RefreshFailed',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
  },
  // "a rotated secret was rejected": alarms within the minute
  secretRejected: {
    metricName: 'SecretRejected',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 60,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
  },
  // Emitted once per refresh attempt: between attempts the last state holds
  tokenExpiring: {
    metricName: 'TokenSecondsRemaining',
    service: SERVICE.refresher,
    statistic: 'Minimum',
    period: 300,
    threshold: 600,
    comparison: 'LessThanThreshold',
    missing: 'ignore',
  },
  readUnavailable: {
    metricName: 'ReadUnavailable',
    service: SERVICE.reader,
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
  },
  // Counted by a refresh whose token will not outlive the next scheduled run by the default
  // validity: one hour holds at least one scheduled run (interval <= 54 min), so the alarm
  // stays in ALARM while every token is that short and clears an hour after the last one.
  tokenLifetimeTooShort: {
    metricName: 'TokenLifetimeTooShort',
    service: SERVICE.refresher,
    statistic: 'Sum',
    period: 3600,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    missing: 'notBreaching',
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

    it.each(cases)('alarms on %s of %s with its metric, threshold and topic actions', (kind, name) => {
      // THEN
      const expected = CREDENTIAL_ALARMS[kind];
      expect(alarmProperties(broker.credentialSet(name).alarms[kind])).toEqual({
        AlarmDescription: expect.stringContaining(`credential set '${name}'`),
        Namespace: 'TokenBroker',
        MetricName: expected.metricName,
        Dimensions: [
          { Name: 'credential', Value: name },
          { Name: 'service', Value: expected.service },
        ],
        Statistic: expected.statistic,
        Period: expected.period,
        Threshold: expected.threshold,
        ComparisonOperator: expected.comparison,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: expected.missing,
        ...topicActions(),
      });
    });

    it('alarms on any reader-side failure (ReadFailed) within 5 minutes, not on refused callers', () => {
      // THEN
      expect(alarmProperties(broker.alarms.readerErrors)).toEqual({
        AlarmDescription: expect.stringContaining('reader failed on its side'),
        Namespace: 'TokenBroker',
        MetricName: 'ReadFailed',
        Dimensions: [{ Name: 'service', Value: 'token-broker-reader' }],
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

    it('has five alarms per credential set and two for the broker, all listed in alarms.all', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Alarm', 5 * CREDENTIALS.length + 2);
      expect(broker.alarms.all).toHaveLength(5 * CREDENTIALS.length + 2);
      expect(new Set(broker.alarms.all).size).toBe(broker.alarms.all.length);
    });

    it('has no alarm action without a topic', () => {
      // THEN
      const alarms = Object.values(synthesized.quiet.template.findResources('AWS::CloudWatch::Alarm'));
      // one set: five of its own and the broker's two
      expect(alarms).toHaveLength(7);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toBeUndefined();
        expect(alarm.Properties.OKActions).toBeUndefined();
      }
    });
  });
});
