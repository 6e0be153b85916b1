import type * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BROKER_CONFIG, loadBrokerConfig } from '../../../lib/config.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import {
  arnOf,
  type Json,
  render,
  type Statement,
  type Synthesized,
  synthesize,
  testApp,
} from '../template.js';

const { app, outdir } = testApp('infra-alarm-topic');

// GIVEN the deployable stack with two credential sets and the context value alarmEmail
const alertingStack = new TokenBrokerStack(app, 'Alerting', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    alarmEmail: 'ops@example.com',
  }),
});

// GIVEN the stack without alarmEmail
const quietStack = new TokenBrokerStack(app, 'Quiet', { config: DEFAULT_BROKER_CONFIG });

let synthesized: Record<'alerting' | 'quiet', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { alerting: alertingStack, quiet: quietStack });
});

/** The topic the stack created from alarmEmail. */
function alarmTopic(): sns.Topic {
  const topic = alertingStack.alarmTopic;
  if (!topic) throw new Error('the stack created no alarm topic');
  return topic;
}

describe('Construct: TokenBrokerStack', () => {
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
        // Only for this account's alarms (confused-deputy guard)
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
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
});
