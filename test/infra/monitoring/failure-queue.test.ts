import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { arnOf, type Statement, type Synthesized, synthesize, testApp } from '../template.js';

const { app, outdir } = testApp('infra-failure-queue');

// GIVEN the deployable stack with a 45-minute interval
const opsStack = new TokenBrokerStack(app, 'Operations', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    refreshIntervalMinutes: 45,
  }),
});
const ops = opsStack.broker;

let stack: Synthesized;

beforeAll(() => {
  // WHEN the app is synthesized once
  ({ ops: stack } = synthesize(app, outdir, { ops: opsStack }));
});

describe('Construct: TokenBroker', () => {
  describe('refresh failures (failureQueue)', () => {
    it('retries a failed async refresh twice within one interval, then sends it to the failure queue', () => {
      // THEN
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
      const queue = stack.resource(ops.failureQueue);
      expect(queue.Properties).toEqual({
        KmsMasterKeyId: arnOf(stack, ops.failureQueueKey),
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(stack.resource(ops.failureQueueKey).Properties).toMatchObject({ EnableKeyRotation: true });
    });

    it('lets EventBridge use the queue key to dead-letter rotation events', () => {
      // THEN
      const policy = stack.resource(ops.failureQueueKey).Properties.KeyPolicy as { Statement: Statement[] };
      expect(policy.Statement).toContainEqual({
        Sid: 'AllowEventBridgeDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        // Only for this account's rules (confused-deputy guard)
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      });
    });

    it('refuses any request to the failure queue that does not use TLS', () => {
      // THEN
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
});
