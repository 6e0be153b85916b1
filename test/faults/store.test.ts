/**
 * Token store faults, with DynamoDB's answers injected through aws-sdk-client-mock into
 * the real DynamoDB store adapter: throttling is retried, a lost write race is not an
 * error, and refusals surface as clear errors that carry no token.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { type RefreshFailure, refresh } from '../../lambda/core/refresh.js';
import { ManualClock, ScriptedTokenEndpoint, testCredential } from '../fakes/in-memory.js';
import { InMemoryStateStore } from '../fakes/in-memory-state.js';
import { CANARY_TOKEN, canaryCredentials, exposedText } from './harness.js';

function sdkError(name: string, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(`${name}: simulated`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: fault === 'server' ? 500 : 400 },
  });
}

describe('Faults: token store', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const store = new DynamoDbTokenStore({ client: new DynamoDBClient({}), tableName: 'broker-tokens' });

  async function refreshWith() {
    const clock = new ManualClock(Date.now());
    const endpoint = new ScriptedTokenEndpoint([
      { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600 },
    ]);
    const state = new InMemoryStateStore();
    const outcome = await refresh(
      { set: testCredential(), reason: 'manual' },
      {
        credentials: canaryCredentials(),
        endpoint,
        store,
        state,
        clock,
        sleep: clock.sleep,
        random: () => 0.5,
      },
      { deadlineMs: clock.now() + 57_000 },
    ).then(
      (result) => ({ result, error: undefined }),
      // The error that ended the refresh, as the refresher Lambda rethrows it.
      (failure: RefreshFailure) => ({ result: undefined, error: failure.cause as Error }),
    );
    return { ...outcome, endpoint, clock };
  }

  beforeEach(() => {
    dynamodb.reset();
  });

  it.each([['ProvisionedThroughputExceededException'], ['ThrottlingException'], ['InternalServerError']])(
    'retries %s and stores once it passes, without fetching a second token',
    async (name) => {
      dynamodb
        .on(PutItemCommand)
        .rejectsOnce(sdkError(name, name === 'InternalServerError' ? 'server' : 'client'))
        .resolves({});
      const { result, endpoint } = await refreshWith();
      expect(result?.outcome).toBe('written');
      expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 2);
      expect(endpoint.requests).toHaveLength(1);
    },
  );

  it('gives up on throttling that does not stop, with a retryable error naming the table', async () => {
    dynamodb.on(PutItemCommand).rejects(sdkError('ThrottlingException'));
    const { error } = await refreshWith();
    expect(error).toMatchObject({ name: 'TokenStoreError', retryable: true });
    expect(error?.message).toContain('broker-tokens');
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 4);
    expect(exposedText(error)).not.toContain(CANARY_TOKEN);
  });

  it('treats a conditional-check failure as a newer token already stored: superseded, not an error', async () => {
    dynamodb.on(PutItemCommand).rejects(sdkError('ConditionalCheckFailedException'));
    const { result, error } = await refreshWith();
    expect(error).toBeUndefined();
    expect(result?.outcome).toBe('superseded');
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  it.each([
    ['AccessDeniedException', 'dynamodb:PutItem on table broker-tokens'],
    ['ResourceNotFoundException', 'table broker-tokens does not exist'],
    ['ValidationException', 'expected schema'],
  ])('surfaces %s at once as a clear, non-retryable error', async (name, says) => {
    dynamodb.on(PutItemCommand).rejects(sdkError(name));
    const { error } = await refreshWith();
    expect(error).toMatchObject({ name: 'TokenStoreError', retryable: false });
    expect(error?.message).toContain("credential 'default'");
    expect(error?.message).toContain(says);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(exposedText(error)).not.toContain(CANARY_TOKEN);
  });

  it('never lets an SDK message that echoes the item carry the token out', async () => {
    dynamodb.on(PutItemCommand).rejects(
      Object.assign(new Error(`One or more parameter values were invalid: ${CANARY_TOKEN}`), {
        name: 'ValidationException',
      }),
    );
    const { error } = await refreshWith();
    expect(error?.name).toBe('TokenStoreError');
    expect(exposedText(error)).not.toContain(CANARY_TOKEN);
  });
});
