/**
 * The retry chain's delivery (docs/design.md, Refresher, "Retry until recovered";
 * decision 30): one SQS queue per broker. After a retryable failure the refresher sends
 * itself the set's next retry with a per-message `DelaySeconds`; the queue's event source
 * mapping hands it back to the refresher one message at a time. Which retry may be sent is
 * decided by the lease in the state item, not here.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BROKER_FUNCTION_ENV } from '../../contract/index.js';

/**
 * Receives after which a message the refresher could not process moves to the failure queue.
 * A throttled invoke counts as a receive too; 5 is AWS's guidance for an SQS event source, so
 * a burst of failing sets filling the refresher's reservation does not end a chain.
 */
export const RETRY_MAX_RECEIVE_COUNT = 5;

/** What {@link createRetryQueue} wires. */
export interface RetryQueueOptions {
  /** Sends to the queue and consumes it. */
  readonly refresher: lambda.Function;
  /** Where a message goes after {@link RETRY_MAX_RECEIVE_COUNT} failed receives (the broker's failure queue). */
  readonly deadLetterQueue: sqs.IQueue;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Creates `RetryQueue` in `scope` (the broker), lets the refresher send to it (`sqs:SendMessage`
 * on this queue only) and consume it (batch size 1), and tells it the URL (RETRY_QUEUE_URL).
 */
export function createRetryQueue(scope: Construct, options: RetryQueueOptions): sqs.Queue {
  const { refresher } = options;
  const timeout = refresher.timeout ?? Duration.seconds(60);
  const queue = new sqs.Queue(scope, 'RetryQueue', {
    // SSE-SQS: the messages hold a set name, a reason and a ticket, never a secret or a token,
    // and no service principal needs a key policy to send.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Lambda requires at least the function timeout; a little more, so a message held back by
    // a throttled poller returns soon and the 90 s recovery bound holds.
    visibilityTimeout: timeout.plus(Duration.seconds(30)),
    // A retry undelivered for an hour is worth nothing: its lease lapsed long ago.
    retentionPeriod: Duration.hours(1),
    deadLetterQueue: { queue: options.deadLetterQueue, maxReceiveCount: RETRY_MAX_RECEIVE_COUNT },
    removalPolicy: options.removalPolicy,
  });
  // Only the refresher may send, whatever other principals' identity policies allow: a message
  // with a current ticket costs a token request, so anyone else sending them could amplify cost.
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': refresher.role?.roleArn } },
    }),
  );
  // Only SendMessage: grantSendMessages would add GetQueueAttributes and GetQueueUrl, which
  // the refresher never calls (it is given the URL).
  refresher.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  // What Lambda's event source mapping calls on the queue, and nothing more: SqsEventSource
  // would add sqs:ChangeMessageVisibility and sqs:GetQueueUrl, which it does not need.
  refresher.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resources: [queue.queueArn],
    }),
  );
  // One message per invoke: a retry run is one set's refresh (queued-refresh-event.ts refuses more).
  // The function depends on its role's policy, so the mapping is created once the policy exists.
  new lambda.EventSourceMapping(scope, 'RetryQueueEvents', {
    target: refresher,
    eventSourceArn: queue.queueArn,
    batchSize: 1,
  });
  refresher.addEnvironment(BROKER_FUNCTION_ENV.retryQueueUrl, queue.queueUrl);
  return queue;
}
