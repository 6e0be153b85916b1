import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBroker } from '../../../lib/token-broker.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { rotationRuleName } from '../../../lib/triggers/rotation-rule.js';
import {
  arnOf,
  type Json,
  render,
  type Statement,
  type Synthesized,
  synthesize,
  testApp,
} from '../template.js';

const COMPLETE_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/complete-AbCdEf';
const { app, outdir } = testApp('infra-rotation-rule');

// GIVEN the deployable stack: a created secret and one imported by name
const opsStack = new TokenBrokerStack(app, 'Operations', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    refreshIntervalMinutes: 45,
  }),
});
const ops = opsStack.broker;

// GIVEN a broker on a secret given by its complete ARN
const completeStack = new Stack(app, 'Complete');
const complete = new TokenBroker(completeStack, 'Broker', {
  credentials: [
    {
      name: 'complete',
      secret: secretsmanager.Secret.fromSecretCompleteArn(completeStack, 'Secret', COMPLETE_ARN),
    },
  ],
});

let synthesized: Record<'ops' | 'complete', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { ops: opsStack, complete: completeStack });
});

describe('Construct: CredentialSet', () => {
  describe('rotation pickup (rotationRule)', () => {
    it('refreshes a created secret at once when AWSCURRENT moves, matching the secret by ARN', () => {
      // THEN
      const stack = synthesized.ops;
      const sandbox = ops.credentialSet('sandbox');
      expect(stack.resource(sandbox.rotationRule).Properties).toEqual({
        Name: `${ops.rotationRulePrefix}sandbox`,
        Description: expect.stringContaining("credential set 'sandbox'"),
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.secretsmanager'],
          'detail-type': ['Secret Label Updated'],
          resources: [{ Ref: stack.logicalId(sandbox.secret as secretsmanager.Secret) }],
          detail: { labelUpdated: ['AWSCURRENT'] },
        },
        Targets: [
          {
            Id: 'Target0',
            Arn: arnOf(stack, ops.refresher),
            Input: JSON.stringify({ credential: 'sandbox', reason: 'secret-rotated' }),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: arnOf(stack, ops.failureQueue) },
          },
        ],
      });
    });

    it('matches a secret imported by name on detail.name, its ARN suffix being unknown', () => {
      // THEN
      const stack = synthesized.ops;
      const rule = stack.resource(ops.credentialSet('shared').rotationRule);
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.secretsmanager'],
        'detail-type': ['Secret Label Updated'],
        detail: { name: ['a55/shared'], labelUpdated: ['AWSCURRENT'] },
      });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: arnOf(stack, ops.refresher),
          Input: JSON.stringify({ credential: 'shared', reason: 'secret-rotated' }),
        }),
      ]);
    });

    it('matches a secret given by its complete ARN on that ARN', () => {
      // THEN
      const rule = synthesized.complete.resource(complete.credentialSet('complete').rotationRule);
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.secretsmanager'],
        'detail-type': ['Secret Label Updated'],
        resources: [COMPLETE_ARN],
        detail: { labelUpdated: ['AWSCURRENT'] },
      });
    });

    it("names each rule with the broker's prefix, unique per broker, cut and hashed past 64 characters", () => {
      // THEN
      expect(ops.rotationRulePrefix).toMatch(/^a55-[0-9a-f]{8}-$/);
      expect(complete.rotationRulePrefix).toMatch(/^a55-[0-9a-f]{8}-$/);
      expect(complete.rotationRulePrefix).not.toBe(ops.rotationRulePrefix);
      const long = 'x'.repeat(64);
      const name = rotationRuleName(ops.rotationRulePrefix, long);
      expect(name).toHaveLength(64);
      expect(name.startsWith(`${ops.rotationRulePrefix}xxx`)).toBe(true);
      expect(name).not.toBe(rotationRuleName(ops.rotationRulePrefix, `${'x'.repeat(63)}y`));
    });

    it("lets the broker's rules, and no other principal, invoke the refresher: one permission for every set", () => {
      // THEN
      const stack = synthesized.ops;
      const refresherPermissions = Object.values(stack.template.findResources('AWS::Lambda::Permission'))
        .map((resource) => resource.Properties as Json)
        .filter(
          (permission) =>
            JSON.stringify(permission.FunctionName) === JSON.stringify(arnOf(stack, ops.refresher)),
        );
      expect(refresherPermissions).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: arnOf(stack, ops.refresher),
          Principal: 'events.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
          SourceArn: expect.anything(),
        },
      ]);
      expect(render(refresherPermissions[0]?.SourceArn)).toBe(
        `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${ops.rotationRulePrefix}*`,
      );
    });

    it("lets only the broker's rotation rules send undeliverable events to the failure queue: one statement", () => {
      // THEN
      const stack = synthesized.ops;
      const policy = stack.template.findResources('AWS::SQS::QueuePolicy');
      const statements = Object.values(policy).flatMap(
        (resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      const allowed = statements.filter((statement) => statement.Effect === 'Allow');
      expect(allowed).toEqual([
        {
          Sid: 'AllowRotationRuleDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arnOf(stack, ops.failureQueue),
          Condition: {
            ArnLike: { 'aws:SourceArn': expect.anything() },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
      ]);
      const condition = (allowed[0]?.Condition ?? {}) as { ArnLike?: Json };
      expect(render(condition.ArnLike?.['aws:SourceArn'])).toBe(
        `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${ops.rotationRulePrefix}*`,
      );
      // Every rule of the broker is named so
      for (const name of ['sandbox', 'shared']) {
        expect(stack.resource(ops.credentialSet(name).rotationRule).Properties.Name).toBe(
          `${ops.rotationRulePrefix}${name}`,
        );
      }
    });
  });
});
