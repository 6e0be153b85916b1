import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaRefreshTrigger } from '../../../lambda/adapters/lambda-refresh-trigger.js';

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
});
