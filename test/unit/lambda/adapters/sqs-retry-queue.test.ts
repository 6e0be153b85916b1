import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { refreshEventOf } from '../../../../lambda/adapters/queued-refresh-event.js';
import { retryQueueAt, SqsRetryQueue } from '../../../../lambda/adapters/sqs-retry-queue.js';
import { BadRequest, RetryNotScheduled } from '../../../../lambda/core/errors.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/broker-RetryQueue';

function awsError(name: string): Error {
  const error = new Error(`${name}: simulated`);
  error.name = name;
  return error;
}

describe('Class: SqsRetryQueue', () => {
  const sqs = mockClient(SQSClient);
  const queue = new SqsRetryQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL });

  beforeEach(() => {
    sqs.reset();
  });

  describe('Method: enqueue', () => {
    it('sends the retry event with the delay as DelaySeconds', async () => {
      // Prepare
      sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

      // Act
      await queue.enqueue('sandbox', { attempt: 3, dueAt: 1_795_000_060 }, 60);

      // Assess
      expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
      const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
      expect(input?.QueueUrl).toBe(QUEUE_URL);
      expect(input?.DelaySeconds).toBe(60);
      expect(JSON.parse(input?.MessageBody ?? '')).toEqual({
        credential: 'sandbox',
        reason: 'retry',
        retry: { attempt: 3, dueAt: 1_795_000_060 },
      });
    });

    it("keeps the delay within SQS's 0 to 900 seconds", async () => {
      // Prepare
      sqs.on(SendMessageCommand).resolves({});

      // Act
      await queue.enqueue('sandbox', { attempt: 1, dueAt: 1 }, 5_000);
      await queue.enqueue('sandbox', { attempt: 1, dueAt: 1 }, -3);

      // Assess
      expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.DelaySeconds)).toEqual([
        900, 0,
      ]);
    });

    it.each([
      ['AccessDeniedException', 'sqs:SendMessage', false],
      ['QueueDoesNotExist', 'SendMessage', false],
      ['ThrottlingException', 'new retry chain', true],
    ])('turns %s into RetryNotScheduled saying what to check', async (name, advice, retryable) => {
      // Prepare
      sqs.on(SendMessageCommand).rejects(awsError(name));

      // Act
      const error = (await queue
        .enqueue('sandbox', { attempt: 1, dueAt: 1 }, 15)
        .catch((caught: unknown) => caught)) as RetryNotScheduled;

      // Assess
      expect(error).toBeInstanceOf(RetryNotScheduled);
      expect(error.message).toContain("credential 'sandbox'");
      expect(error.message).toContain(advice);
      expect(error.retryable).toBe(retryable);
    });
  });

  describe('Function: retryQueueAt', () => {
    it('gives a queue for a URL and none without one', () => {
      expect(retryQueueAt(QUEUE_URL).retries).toBeInstanceOf(SqsRetryQueue);
      expect(retryQueueAt(undefined)).toEqual({});
      expect(retryQueueAt('')).toEqual({});
    });
  });
});

describe('Function: refreshEventOf', () => {
  const sqsEvent = (...bodies: string[]) => ({
    Records: bodies.map((body, index) => ({ messageId: `m-${index}`, eventSource: 'aws:sqs', body })),
  });
  const retry = { credential: 'sandbox', reason: 'retry', retry: { attempt: 1, dueAt: 5 } };

  it('passes a direct event through unchanged', () => {
    const event = { credential: 'sandbox', reason: 'schedule' };
    expect(refreshEventOf(event)).toBe(event);
    expect(refreshEventOf(undefined)).toBeUndefined();
    expect(refreshEventOf({ Records: 'not-an-array' })).toEqual({ Records: 'not-an-array' });
  });

  it('unwraps the one message of a retry queue event', () => {
    expect(refreshEventOf(sqsEvent(JSON.stringify(retry)))).toEqual(retry);
  });

  it.each([
    ['two messages', sqsEvent(JSON.stringify(retry), JSON.stringify(retry)), 'one message per invoke'],
    ['no message', { Records: [{ eventSource: 'aws:sqs' }] }, 'reason retry'],
    ['a body that is not JSON', sqsEvent('{'), 'reason retry'],
    [
      'a message that is not a retry',
      sqsEvent(JSON.stringify({ credential: 'sandbox', reason: 'manual' })),
      'reason retry',
    ],
  ])('refuses %s', (_case, event, message) => {
    expect(() => refreshEventOf(event)).toThrow(BadRequest);
    expect(() => refreshEventOf(event)).toThrow(message);
  });
});
