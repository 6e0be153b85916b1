import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICE } from '../../lambda/core/telemetry.js';
import { DEFAULT_BROKER_CONFIG, loadBrokerConfig } from '../../lib/config.js';
import type { CredentialAlarms } from '../../lib/operations/alarms.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { arnOf, type Json, must, render, type Statement, type Synthesized, synthesize } from './template.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-monitoring');
const CREDENTIALS = ['sandbox', 'shared'] as const;

const app = new App({
  outdir: OUTDIR,
  context: { 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false,
});

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
  synthesized = synthesize(app, OUTDIR, { alerting: alertingStack, quiet: quietStack });
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

interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title: string; readonly metrics?: unknown[][]; readonly alarms?: string[] };
}

/** The dashboard body as JSON, references rendered as `<LogicalId>` / `<LogicalId.Attribute>`. */
function dashboardWidgets(): DashboardWidget[] {
  const body = synthesized.alerting.resource(broker.dashboard).Properties.DashboardBody;
  return (JSON.parse(render(body)) as { widgets: DashboardWidget[] }).widgets;
}

function widget(title: string): DashboardWidget {
  const found = dashboardWidgets().find((candidate) => candidate.properties.title === title);
  if (!found) throw new Error(`no widget '${title}'`);
  return found;
}

describe('Construct: TokenBroker', () => {
  describe('alarms', () => {
    const cases = CREDENTIALS.flatMap((name) =>
      (Object.keys(CREDENTIAL_ALARMS) as (keyof CredentialAlarms)[]).map((kind) => [kind, name] as const),
    );

    it.each(cases)('alarms on %s of %s with its metric, threshold and topic actions', (kind, name) => {
      // THEN
      const expected = CREDENTIAL_ALARMS[kind];
      expect(alarmProperties(must(broker.alarms.byCredential, name)[kind])).toEqual({
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

    it('has four alarms per credential set and two for the broker, all listed in alarms.all', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Alarm', 4 * CREDENTIALS.length + 2);
      expect(broker.alarms.all).toHaveLength(4 * CREDENTIALS.length + 2);
      expect(new Set(broker.alarms.all).size).toBe(broker.alarms.all.length);
    });

    it('has no alarm action without a topic', () => {
      // THEN
      const alarms = Object.values(synthesized.quiet.template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(6);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toBeUndefined();
        expect(alarm.Properties.OKActions).toBeUndefined();
      }
    });
  });

  describe('alarm topic (context alarmEmail)', () => {
    it('sends to the e-mail address through a KMS-encrypted topic', () => {
      // THEN
      const stack = synthesized.alerting;
      const topic = alarmTopic();
      const key = alertingStack.node.findChild('AlarmTopicKey');
      expect(stack.resource(topic).Properties).toEqual({
        DisplayName: 'A55 token broker alarms',
        KmsMasterKeyId: arnOf(stack, key),
      });
      stack.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: stack.logicalId(topic) },
      });
      stack.template.hasOutput('AlarmTopicArn', { Value: { Ref: stack.logicalId(topic) } });
    });

    it('lets CloudWatch use the rotated topic key, which it needs to publish to an encrypted topic', () => {
      // THEN
      const key = synthesized.alerting.resource(alertingStack.node.findChild('AlarmTopicKey'));
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect((key.Properties.KeyPolicy as { Statement: Statement[] }).Statement).toContainEqual({
        Sid: 'AllowCloudWatchAlarms',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
      });
    });

    it('lets only this account alarms publish, and only over TLS', () => {
      // THEN
      const stack = synthesized.alerting;
      const topic = { Ref: stack.logicalId(alarmTopic()) };
      const policies = Object.values(stack.template.findResources('AWS::SNS::TopicPolicy'));
      expect(policies).toHaveLength(1);
      const statements = policies.flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      expect(statements).toEqual([
        {
          Sid: 'AllowPublishThroughSSLOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: topic,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'AllowCloudWatchAlarmsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic,
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': expect.anything() },
          },
        },
      ]);
      const sourceArn = (statements[1]?.Condition?.ArnLike as Json | undefined)?.['aws:SourceArn'];
      expect(render(sourceArn)).toBe(
        'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*',
      );
    });

    it('creates no topic without alarmEmail', () => {
      // THEN
      synthesized.quiet.template.resourceCountIs('AWS::SNS::Topic', 0);
      expect(quietStack.alarmTopic).toBeUndefined();
      expect(synthesized.quiet.json.Outputs?.AlarmTopicArn).toBeUndefined();
    });
  });

  describe('dashboard', () => {
    const refresherMetric = (metricName: string, name: string, stat: string) => [
      'TokenBroker',
      metricName,
      'credential',
      name,
      'service',
      SERVICE.refresher,
      expect.objectContaining({ stat }),
    ];
    const readerMetric = (metricName: string, name: string) => [
      'TokenBroker',
      metricName,
      'credential',
      name,
      'service',
      SERVICE.reader,
      expect.objectContaining({ stat: 'Sum' }),
    ];

    it('is one dashboard per broker', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('shows the seconds remaining of each credential set, with the alarm threshold', () => {
      // THEN
      const { properties } = widget('Token seconds remaining (after each refresh attempt)');
      expect(properties.metrics).toEqual(
        CREDENTIALS.map((name) => refresherMetric('TokenSecondsRemaining', name, 'Minimum')),
      );
      expect(properties).toMatchObject({ annotations: { horizontal: [{ value: 600 }] } });
    });

    it('shows refreshes succeeded and failed (and secrets rejected) per credential set', () => {
      // THEN
      expect(widget('Refreshes succeeded / failed').properties.metrics).toEqual([
        ...CREDENTIALS.map((name) => refresherMetric('RefreshSucceeded', name, 'Sum')),
        ...CREDENTIALS.map((name) => refresherMetric('RefreshFailed', name, 'Sum')),
        ...CREDENTIALS.map((name) => refresherMetric('SecretRejected', name, 'Sum')),
      ]);
    });

    it('shows reads served and unavailable (and refreshes requested) per credential set', () => {
      // THEN
      expect(widget('Reads served / unavailable').properties.metrics).toEqual([
        ...CREDENTIALS.map((name) => readerMetric('ReadServed', name)),
        ...CREDENTIALS.map((name) => readerMetric('ReadUnavailable', name)),
        ...CREDENTIALS.map((name) => readerMetric('RefreshRequested', name)),
      ]);
    });

    it('shows the reader latency p50 and p99', () => {
      // THEN
      const reader = `<${synthesized.alerting.logicalId(broker.reader)}>`;
      expect(widget('Reader latency (ms)').properties.metrics).toEqual(
        expect.arrayContaining([
          ['AWS/Lambda', 'Duration', 'FunctionName', reader, { label: 'p50', stat: 'p50' }],
          ['AWS/Lambda', 'Duration', 'FunctionName', reader, { label: 'p99', stat: 'p99' }],
        ]),
      );
    });

    it('shows token endpoint rejections by OAuth error code through a SEARCH on this broker only', () => {
      // THEN
      expect(widget('Token endpoint rejections by OAuth error code').properties.metrics).toEqual([
        [
          {
            expression:
              `SEARCH('{TokenBroker,credential,errorCode,service} MetricName="TokenEndpointRejected" ` +
              `service="${SERVICE.refresher}" (credential="sandbox" OR credential="shared")', 'Sum', 300)`,
          },
        ],
      ]);
    });

    it('shows the failure queue and the state of every alarm', () => {
      // THEN
      const stack = synthesized.alerting;
      expect(widget('Failure queue (failed refreshes)').properties.metrics).toEqual([
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          `<${stack.logicalId(broker.failureQueue)}.QueueName>`,
          expect.objectContaining({ stat: 'Maximum' }),
        ],
      ]);
      expect(widget('Alarms').properties.alarms).toEqual(
        broker.alarms.all.map((alarm) => `<${stack.logicalId(alarm)}.Arn>`),
      );
    });
  });
});
