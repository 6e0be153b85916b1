/**
 * The retry chain's delivery in AWS (decision 30): one SQS message per retry, delayed by
 * `DelaySeconds` (second precision, up to 900 s), which the queue's event source mapping
 * hands to the refresher as `{"credential", "reason": "retry", "retry": {attempt, dueAt}}`.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type RefreshEvent, type RetryTicket, refreshEvent } from '../../contract/index.js';
import { RetryNotScheduled } from '../core/errors.js';
import type { RetryQueue } from '../core/ports.js';
import { AWS_CLIENT_CONFIG } from './aws-client-config.js';
import { classifySdkError } from './sdk-errors.js';

/** SQS's limit on a message's delay. */
const MAX_DELAY_SECONDS = 900;

/** A {@link RetryQueue} on an SQS queue (SendMessage with DelaySeconds). */
export class SqsRetryQueue implements RetryQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { readonly client: SQSClient; readonly queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  /**
   * @inheritdoc
   * @throws RetryNotScheduled naming the queue and what to check; only the SDK error's name is passed on.
   */
  async enqueue(credential: string, ticket: RetryTicket, delaySeconds: number): Promise<void> {
    const body: RefreshEvent = { ...refreshEvent(credential, 'retry'), retry: ticket };
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(body),
          DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
        }),
      );
    } catch (error) {
      const { name, kind, retryable } = classifySdkError(error);
      const advice =
        kind === 'access-denied'
          ? 'the refresher role needs sqs:SendMessage on the retry queue'
          : kind === 'not-found'
            ? 'the retry queue does not exist: redeploy the stack'
            : 'the next failed refresh starts a new retry chain';
      throw new RetryNotScheduled(
        credential,
        `SendMessage to ${this.#queueUrl} failed with ${name}; ${advice}`,
        {
          cause: error,
          retryable,
        },
      );
    }
  }
}

/**
 * The refresher's `retries` dependency for the queue at `queueUrl` (RETRY_QUEUE_URL), with
 * its client built once at cold start; none without a URL (no retry chain).
 */
export function retryQueueAt(queueUrl: string | undefined): { retries?: RetryQueue } {
  if (!queueUrl) return {};
  return { retries: new SqsRetryQueue({ client: new SQSClient(AWS_CLIENT_CONFIG), queueUrl }) };
}
