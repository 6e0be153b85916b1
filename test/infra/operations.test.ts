import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, SERVICE } from '../../lambda/core/telemetry.js';
import { loadBrokerConfig } from '../../lib/config.js';
import { REFRESHER_FINGERPRINT_PROPERTY } from '../../lib/operations/deploy-refresh.js';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import {
  arnOf,
  type Json,
  must,
  type Resource,
  render,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './template.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-operations');
const COMPLETE_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/complete-AbCdEf';
/** The stack-wide AwsCustomResource provider (a SingletonFunction of aws-cdk-lib). */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Bundling skipped (no code runs here); built-in template validation off (nag.test.ts keeps it). */
const app = new App({
  outdir: OUTDIR,
  context: { 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false,
});

// GIVEN the deployable stack: a created secret, one imported by name, a 45-minute interval
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

// GIVEN two identical brokers, and a third whose refresher configuration differs
const twins = ['TwinA', 'TwinB', 'Changed'].map(
  (id) => new TokenBroker(new Stack(app, id), 'Broker', { credentials: [{ name: 'default' }] }),
);
twins[2]?.refresher.addEnvironment('POWERTOOLS_LOG_LEVEL', 'DEBUG');

let synthesized: Record<'ops' | 'complete' | 'twinA' | 'twinB' | 'changed', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  const [twinA, twinB, changed] = twins.map((broker) => Stack.of(broker));
  synthesized = synthesize(app, OUTDIR, {
    ops: opsStack,
    complete: completeStack,
    twinA: twinA as Stack,
    twinB: twinB as Stack,
    changed: changed as Stack,
  });
});

/** The AWS::CloudFormation custom resource of a credential's deploy-time refresh. */
function deployRefreshOf(stack: Synthesized, broker: TokenBroker, name: string): Resource {
  return stack.resource(must(broker.deployRefreshes, name).node.findChild('Resource'));
}

/** The SDK call a custom resource makes on create (or update), with references rendered. */
function sdkCallOf(resource: Resource, lifecycle: 'Create' | 'Update'): Json {
  return JSON.parse(render(resource.Properties[lifecycle])) as Json;
}

describe('Construct: TokenBroker', () => {
  describe('rotation pickup', () => {
    it('refreshes a created secret at once when AWSCURRENT moves, matching the secret by ARN', () => {
      // THEN
      const stack = synthesized.ops;
      const secret = must(ops.secrets, 'sandbox') as secretsmanager.Secret;
      expect(stack.resource(must(ops.rotationRules, 'sandbox')).Properties).toEqual({
        Description: expect.stringContaining("credential set 'sandbox'"),
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.secretsmanager'],
          'detail-type': ['Secret Label Updated'],
          resources: [{ Ref: stack.logicalId(secret) }],
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
      const rule = stack.resource(must(ops.rotationRules, 'shared'));
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
      const rule = synthesized.complete.resource(must(complete.rotationRules, 'complete'));
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.secretsmanager'],
        'detail-type': ['Secret Label Updated'],
        resources: [COMPLETE_ARN],
        detail: { labelUpdated: ['AWSCURRENT'] },
      });
    });

    it('lets each rule, and no other principal, invoke the refresher through its resource policy', () => {
      // THEN
      const stack = synthesized.ops;
      const refresherPermissions = Object.values(stack.template.findResources('AWS::Lambda::Permission'))
        .map((resource) => resource.Properties as Json)
        .filter(
          (permission) =>
            JSON.stringify(permission.FunctionName) === JSON.stringify(arnOf(stack, ops.refresher)),
        );
      expect(refresherPermissions).toEqual(
        ['sandbox', 'shared'].map((name) => ({
          Action: 'lambda:InvokeFunction',
          FunctionName: arnOf(stack, ops.refresher),
          Principal: 'events.amazonaws.com',
          SourceArn: arnOf(stack, must(ops.rotationRules, name)),
        })),
      );
    });

    it('lets only the rotation rules send undeliverable events to the failure queue', () => {
      // THEN
      const stack = synthesized.ops;
      const policy = stack.template.findResources('AWS::SQS::QueuePolicy');
      const statements = Object.values(policy).flatMap(
        (resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual(
        ['sandbox', 'shared'].map((name) => ({
          Sid: expect.any(String),
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arnOf(stack, ops.failureQueue),
          Condition: { ArnEquals: { 'aws:SourceArn': arnOf(stack, must(ops.rotationRules, name)) } },
        })),
      );
    });
  });

  describe('token at deploy', () => {
    it.each(['sandbox', 'shared'])(
      'invokes the refresher asynchronously for %s on create and on update',
      (name) => {
        // THEN
        const stack = synthesized.ops;
        const resource = deployRefreshOf(stack, ops, name);
        expect(resource.Type).toBe('Custom::TokenBrokerDeployRefresh');
        const call = {
          service: 'Lambda',
          action: 'Invoke',
          parameters: {
            FunctionName: `<${stack.logicalId(ops.refresher)}>`,
            // Event: the deploy never waits for (nor fails with) the refresh itself
            InvocationType: 'Event',
            Payload: JSON.stringify({ credential: name, reason: 'deploy' }),
          },
          physicalResourceId: { id: `token-broker-deploy-refresh-${name}` },
        };
        expect(sdkCallOf(resource, 'Create')).toEqual(call);
        expect(sdkCallOf(resource, 'Update')).toEqual(call);
        expect(resource.Properties.Delete).toBeUndefined();
        expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
        expect(resource.Properties.ServiceToken).toEqual({
          'Fn::GetAtt': [stack.logicalId(opsStack.node.findChild(PROVIDER_ID)), 'Arn'],
        });
      },
    );

    it('runs after the async invoke config, so a failed deploy-time refresh reaches the failure queue', () => {
      // THEN
      const stack = synthesized.ops;
      const asyncConfig = stack.logicalId(ops.refresher.node.findChild('EventInvokeConfig'));
      expect(deployRefreshOf(stack, ops, 'sandbox').DependsOn).toContain(asyncConfig);
    });

    it('runs again whenever the refresher code or configuration changes, and only then', () => {
      // THEN
      const fingerprint = (stack: Synthesized, broker: TokenBroker) =>
        deployRefreshOf(stack, broker, 'default').Properties[REFRESHER_FINGERPRINT_PROPERTY];
      const [twinA, twinB, changed] = twins as [TokenBroker, TokenBroker, TokenBroker];
      expect(fingerprint(synthesized.twinA, twinA)).toMatch(/^[0-9a-f]{64}$/);
      expect(fingerprint(synthesized.twinB, twinB)).toBe(fingerprint(synthesized.twinA, twinA));
      expect(fingerprint(synthesized.changed, changed)).not.toBe(fingerprint(synthesized.twinA, twinA));
    });

    it('gives the provider its own role: invoke the refresher and write its own log group, nothing else', () => {
      // THEN
      const stack = synthesized.ops;
      const role = ops.node.findChild('DeployRefreshProviderRole') as iam.Role;
      const logGroup = ops.node.findChild('DeployRefreshProviderLogGroup');
      const roleResource = stack.resource(role);
      // No AWSLambdaBasicExecutionRole: its logs:* apply to every log group of the account
      expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = statementsOfRole(stack, stack.logicalId(role));
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: arnOf(stack, logGroup),
          },
        ]),
      );
      const others = statements.filter((statement) => !String(statement.Action).startsWith('logs:'));
      // One policy per credential's custom resource, each the same single statement
      expect(others).toEqual(
        ['sandbox', 'shared'].map(() => ({
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: arnOf(stack, ops.refresher),
        })),
      );
      expect(stack.resource(opsStack.node.findChild(PROVIDER_ID)).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Role: arnOf(stack, role),
        LoggingConfig: { LogGroup: { Ref: stack.logicalId(logGroup) } },
      });
    });
  });

  describe('refresh failures', () => {
    it('retries a failed async refresh twice within one interval, then sends it to the failure queue', () => {
      // THEN
      const stack = synthesized.ops;
      expect(stack.resource(ops.refresher.node.findChild('EventInvokeConfig')).Properties).toEqual({
        FunctionName: { Ref: stack.logicalId(ops.refresher) },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 45 * 60,
        DestinationConfig: { OnFailure: { Destination: arnOf(stack, ops.failureQueue) } },
      });
    });

    it('encrypts the failure queue with its own rotated key and keeps messages 14 days', () => {
      // THEN
      const stack = synthesized.ops;
      const queue = stack.resource(ops.failureQueue);
      expect(queue.Properties).toEqual({
        KmsMasterKeyId: arnOf(stack, ops.failureQueueKey),
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(stack.resource(ops.failureQueueKey).Properties).toMatchObject({ EnableKeyRotation: true });
    });

    it('lets EventBridge use the queue key to dead-letter rotation events', () => {
      // THEN
      const stack = synthesized.ops;
      const policy = stack.resource(ops.failureQueueKey).Properties.KeyPolicy as { Statement: Statement[] };
      expect(policy.Statement).toContainEqual({
        Sid: 'AllowEventBridgeDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
      });
    });

    it('refuses any request to the failure queue that does not use TLS', () => {
      // THEN
      const stack = synthesized.ops;
      const statements = Object.values(stack.template.findResources('AWS::SQS::QueuePolicy')).flatMap(
        (resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      expect(statements).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: arnOf(stack, ops.failureQueue),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });
  });

  describe('telemetry contract', () => {
    it('names both functions and their metrics namespace after lambda/core/telemetry.ts', () => {
      // THEN
      const stack = synthesized.ops;
      const environment = (fn: TokenBroker['reader']) =>
        (stack.resource(fn).Properties.Environment as { Variables: Json }).Variables;
      expect(environment(ops.refresher)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE.refresher,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      });
      expect(environment(ops.reader)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE.reader,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        REFRESHER_FUNCTION_NAME: { Ref: stack.logicalId(ops.refresher) },
      });
    });
  });

  describe('TokenBrokerStack outputs', () => {
    it('outputs the failure queue URL and the dashboard name and console link', () => {
      // THEN
      const stack = synthesized.ops;
      stack.template.hasOutput('FailureQueueUrl', { Value: { Ref: stack.logicalId(ops.failureQueue) } });
      stack.template.hasOutput('DashboardName', { Value: { Ref: stack.logicalId(ops.dashboard) } });
      const url = render((stack.json.Outputs?.DashboardUrl as { Value: unknown } | undefined)?.Value);
      expect(url).toBe(
        'https://<AWS::Region>.console.aws.amazon.com/cloudwatch/home?region=<AWS::Region>' +
          `#dashboards:name=<${stack.logicalId(ops.dashboard)}>`,
      );
    });
  });
});
