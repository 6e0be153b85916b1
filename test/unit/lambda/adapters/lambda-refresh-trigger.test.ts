import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaRefreshTrigger } from '../../../../lambda/adapters/lambda-refresh-trigger.js';

describe('Class: LambdaRefreshTrigger', () => {
  const lambda = mockClient(LambdaClient);

  beforeEach(() => {
    lambda.reset();
  });

  it('invokes the refresher asynchronously with the credential and the reason', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const trigger = new LambdaRefreshTrigger({ client: new LambdaClient({}), functionName: 'refresher-fn' });

    // Act
    await trigger.trigger('sandbox', 'read-miss');

    // Assess
    const call = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(call).toMatchObject({ FunctionName: 'refresher-fn', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(call?.Payload as Uint8Array))).toEqual({
      credential: 'sandbox',
      reason: 'read-miss',
    });
  });

  it.each([
    ['AccessDeniedException', 'lambda:InvokeFunction on refresher-fn', false],
    ['ResourceNotFoundException', 'function refresher-fn does not exist', false],
    ['TooManyRequestsException', 'the next read that finds no token asks again', true],
  ])('turns %s into a RefreshTriggerError that says what to check', async (name, advice, retryable) => {
    lambda
      .on(InvokeCommand)
      .rejects(Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x'), { name }));
    const trigger = new LambdaRefreshTrigger({ client: new LambdaClient({}), functionName: 'refresher-fn' });
    const error = await trigger.trigger('sandbox', 'read-miss').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'RefreshTriggerError', credential: 'sandbox', retryable });
    expect((error as Error).message).toContain(`failed with ${name}`);
    expect((error as Error).message).toContain(advice);
  });

  it('makes a lazily given client once, at the first trigger, and retries making it after a failure', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    let made = 0;
    let failNext = true;
    const trigger = new LambdaRefreshTrigger({
      client: async () => {
        made += 1;
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('cannot load'), { name: 'Error' });
        }
        return new LambdaClient({});
      },
      functionName: 'refresher-fn',
    });
    expect(made).toBe(0);

    const first = await trigger.trigger('sandbox', 'read-miss').catch((caught: unknown) => caught);
    expect(first).toMatchObject({ name: 'RefreshTriggerError', credential: 'sandbox' });
    await trigger.trigger('sandbox', 'read-miss');
    await trigger.trigger('sandbox', 'read-miss');

    expect(made).toBe(2);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});
