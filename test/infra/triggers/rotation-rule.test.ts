import { type CfnElement, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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

// GIVEN brokers in two nested stacks of one stack, each with a set called `default`
const teamsStack = new Stack(app, 'Teams');
const teams = ['TeamA', 'TeamB'].map((id) => {
  const nested = new NestedStack(teamsStack, id);
  const broker = new TokenBroker(nested, 'Broker', { credentials: [{ name: 'default' }], brokerName: id });
  return { nested, broker };
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
            ArnNotLike: { 'aws:SourceArn': expect.anything() },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
      ]);
      const condition = (allowed[0]?.Condition ?? {}) as { ArnLike?: Json; ArnNotLike?: Json };
      expect(render(condition.ArnLike?.['aws:SourceArn'])).toBe(
        `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${ops.rotationRulePrefix}*`,
      );
      // ... on the default bus only: a custom bus named with the prefix has rules
      // `rule/<bus>/<rule>`, which the exclusion matches and a default-bus rule never does
      const excluded = render(condition.ArnNotLike?.['aws:SourceArn']);
      const onBus = (name: string) =>
        `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${name}`;
      expect(excluded).toBe(onBus('*/*'));
      expect(arnPattern(excluded).test(onBus(`${ops.rotationRulePrefix}bus/any-rule`))).toBe(true);
      expect(arnPattern(excluded).test(onBus(`${ops.rotationRulePrefix}sandbox`))).toBe(false);
      // Every rule of the broker is named so
      for (const name of ['sandbox', 'shared']) {
        expect(stack.resource(ops.credentialSet(name).rotationRule).Properties.Name).toBe(
          `${ops.rotationRulePrefix}${name}`,
        );
      }
    });
  });

  describe('brokers in other stacks (rotationRulePrefix)', () => {
    /** The rule ARNs an ArnLike pattern (as render gives it) accepts. */
    const sourcePatterns = (template: Json, refresherId: string) => {
      const resources = Object.values(
        (template.Resources ?? {}) as Record<string, { Type: string; Properties: Json }>,
      );
      const permissions = resources
        .filter((resource) => resource.Type === 'AWS::Lambda::Permission')
        .filter((resource) => JSON.stringify(resource.Properties.FunctionName).includes(refresherId))
        .map((resource) => render(resource.Properties.SourceArn));
      const queue = resources
        .filter((resource) => resource.Type === 'AWS::SQS::QueuePolicy')
        .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((statement) => statement.Sid === 'AllowRotationRuleDeadLetters')
        .map((statement) => render((statement.Condition as { ArnLike: Json }).ArnLike['aws:SourceArn']));
      return [...permissions, ...queue];
    };
    const ruleArn = (name: string) =>
      `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${name}`;

    it('gives brokers in two nested stacks different prefixes, rule names and grants', () => {
      // THEN
      const [a, b] = teams as [(typeof teams)[number], (typeof teams)[number]];
      expect(a.broker.rotationRulePrefix).toMatch(/^a55-[0-9a-f]{8}-$/);
      expect(a.broker.rotationRulePrefix).not.toBe(b.broker.rotationRulePrefix);
      const ruleName = (team: typeof a) =>
        Template.fromStack(team.nested).toJSON().Resources[
          team.nested.getLogicalId(
            team.broker.credentialSet('default').rotationRule.node.defaultChild as CfnElement,
          )
        ].Properties.Name as string;
      expect(ruleName(a)).toBe(`${a.broker.rotationRulePrefix}default`);
      expect(ruleName(b)).toBe(`${b.broker.rotationRulePrefix}default`);
      // Each refresher's permission and failure queue accept its own rules, not the other's
      for (const [own, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const refresherId = own.nested.getLogicalId(own.broker.refresher.node.defaultChild as CfnElement);
        const patterns = sourcePatterns(Template.fromStack(own.nested).toJSON() as Json, refresherId);
        expect(patterns).toHaveLength(2);
        for (const pattern of patterns) {
          expect(arnPattern(pattern).test(ruleArn(ruleName(own)))).toBe(true);
          expect(arnPattern(pattern).test(ruleArn(ruleName(other)))).toBe(false);
        }
      }
    });

    it("gives brokers in two top-level stacks grants that do not accept each other's rules", () => {
      // THEN
      const rules = (broker: TokenBroker, stack: Synthesized, name: string) =>
        ruleArn(stack.resource(broker.credentialSet(name).rotationRule).Properties.Name as string);
      const opsPatterns = sourcePatterns(synthesized.ops.json, synthesized.ops.logicalId(ops.refresher));
      const completePatterns = sourcePatterns(
        synthesized.complete.json,
        synthesized.complete.logicalId(complete.refresher),
      );
      expect(opsPatterns).toHaveLength(2);
      expect(completePatterns).toHaveLength(2);
      for (const pattern of opsPatterns) {
        expect(arnPattern(pattern).test(rules(ops, synthesized.ops, 'sandbox'))).toBe(true);
        expect(arnPattern(pattern).test(rules(complete, synthesized.complete, 'complete'))).toBe(false);
      }
      for (const pattern of completePatterns) {
        expect(arnPattern(pattern).test(rules(complete, synthesized.complete, 'complete'))).toBe(true);
        expect(arnPattern(pattern).test(rules(ops, synthesized.ops, 'sandbox'))).toBe(false);
      }
    });
  });
});

/** An IAM ARN pattern (`*` any characters, `?` one) as a regular expression. */
function arnPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}
