import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBroker } from '../../../lib/token-broker.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import {
  arnOf,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
  testApp,
} from '../template.js';

const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';
const { app, outdir } = testApp('infra-refresh-schedule');

// GIVEN a broker with every default
const defaultsStack = new Stack(app, 'Defaults');
const defaults = new TokenBroker(defaultsStack, 'Broker', { credentials: [{ name: 'default' }] });

// GIVEN the two-credential configuration of the issue, through the stack and loadBrokerConfig
const twoStack = new TokenBrokerStack(app, 'TwoCredentials', {
  config: loadBrokerConfig(
    JSON.stringify({ credentials: [{ name: 'sandbox', tokenUrl: SANDBOX_URL }, { name: 'production' }] }),
  ),
});

let synthesized: Record<'defaults' | 'two', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { defaults: defaultsStack, two: twoStack });
});

describe('Construct: CredentialSet', () => {
  describe('refresh schedule (schedule)', () => {
    it('schedules one refresh every 50 minutes with input {"credential": "default", "reason": "schedule"}', () => {
      // THEN
      const { template, logicalId } = synthesized.defaults;
      template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(50 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [logicalId(defaults.refresher), 'Arn'] },
          Input: JSON.stringify({ credential: 'default', reason: 'schedule' }),
          RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 3000 }),
        },
      });
      expect(synthesized.defaults.resource(defaults.credentialSet('default').schedule).Type).toBe(
        'AWS::Scheduler::Schedule',
      );
    });

    it.each(['sandbox', 'production'])('schedules %s with its own input', (name) => {
      // THEN
      const stack = synthesized.two;
      expect(stack.resource(twoStack.broker.credentialSet(name).schedule).Properties).toMatchObject({
        ScheduleExpression: 'rate(50 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: expect.objectContaining({ Input: JSON.stringify({ credential: name, reason: 'schedule' }) }),
      });
    });

    it("puts an invoke Scheduler could not deliver into the failure queue (each set's target dead-letter queue)", () => {
      // THEN
      const stack = synthesized.two;
      for (const name of ['sandbox', 'production']) {
        expect(stack.resource(twoStack.broker.credentialSet(name).schedule).Properties).toMatchObject({
          Target: expect.objectContaining({
            DeadLetterConfig: { Arn: arnOf(stack, twoStack.broker.failureQueue) },
          }),
        });
      }
      synthesized.defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          DeadLetterConfig: { Arn: arnOf(synthesized.defaults, defaults.failureQueue) },
        }),
      });
    });

    it('lets the scheduler role invoke only the refresher and send only to the failure queue, and only the scheduler assume it', () => {
      // THEN
      const { json, template, logicalId } = synthesized.two;
      const role = twoStack.broker.schedulerRole;
      const roleId = logicalId(role);
      template.allResourcesProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } }),
      });
      expect(
        json.Resources[roleId]?.Properties.ManagedPolicyArns,
        'managed policies on the role',
      ).toBeUndefined();
      // Once each, whatever the number of sets; no receive, delete or purge of the queue, and
      // its key only through SQS (encrypting a dead letter), never for anything else.
      expect(statementsOfRole(synthesized.two, roleId)).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: arnOf(synthesized.two, twoStack.broker.refresher),
        },
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: arnOf(synthesized.two, twoStack.broker.failureQueue),
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: arnOf(synthesized.two, twoStack.broker.failureQueueKey),
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
            },
          },
        },
      ]);
      const trust = json.Resources[roleId]?.Properties.AssumeRolePolicyDocument as { Statement: Statement[] };
      expect(trust.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': expect.anything(), 'aws:SourceArn': expect.anything() },
          },
        }),
      ]);
    });
  });
});
