/**
 * Where failed refreshes end up: one SQS queue receives both the refresher's async
 * on-failure records (Lambda, after its retries) and the rotation rules' undeliverable
 * events (EventBridge, after its retries). An alarm on its depth pages the operator.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.js';

/** The queue and the key that encrypts it. */
export interface FailureQueue {
  readonly queue: sqs.Queue;
  readonly key: kms.Key;
}

/**
 * Creates `FailureQueueKey` and `FailureQueue` in `scope`: KMS-encrypted with its own
 * rotated key, TLS only, messages kept 14 days (the SQS maximum) for an operator to read.
 */
export function createFailureQueue(scope: Construct, removalPolicy: RemovalPolicy): FailureQueue {
  const key = new kms.Key(scope, 'FailureQueueKey', {
    description: 'Encrypts the A55 token broker failed-refresh queue (SQS)',
    enableKeyRotation: true,
    removalPolicy,
  });
  // EventBridge delivers undeliverable rotation events to the queue as a service: SQS then
  // needs the key on its behalf. The queue policy (added per rule by the CDK) limits which
  // rules may send; the key encrypts nothing but this queue. Only for rules of this account
  // and region (confused-deputy guard); not the rules' own ARNs, which would make the key
  // depend on the rules that depend on the queue that depends on the key.
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEventBridgeDeadLetters',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
        },
      },
    }),
  );
  const queue = new sqs.Queue(scope, 'FailureQueue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
  acknowledgeNag(
    queue.node.defaultChild as sqs.CfnQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter destination of the refresher (Lambda async on-failure) and ' +
      'of the secret rotation rules (EventBridge); nothing consumes it automatically, operators read it, ' +
      'so a further dead-letter queue would never receive anything.',
  );
  return { queue, key };
}

/**
 * Lambda async on-failure destination on an encrypted queue, granting the function exactly
 * sqs:SendMessage on the queue and the two key actions SQS needs for it (through SQS only).
 * `SqsDestination` would grant `kms:ReEncrypt*` and `kms:GenerateDataKey*` as well.
 */
export class EncryptedQueueDestination implements lambda.IDestination {
  constructor(private readonly failureQueue: FailureQueue) {}

  bind(scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    const { queue, key } = this.failureQueue;
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `sqs.${Stack.of(scope).region}.amazonaws.com` },
        },
      }),
    );
    return { destination: queue.queueArn };
  }
}
