/**
 * The refresher's retry chain and AWSPREVIOUS fallback as the handler wires them: SDK calls
 * mocked with aws-sdk-client-mock, the token endpoint a scripted HTTP server on loopback.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../../fakes/lambda-context.js';
import { json } from '../../../fakes/scripted-http-server.js';
import { useRefresherHandler } from '../../../support/refresher-handler.js';

const TYPO_SECRET = 'typo-secret-3b1e';
const GOOD_SECRET = 'good-secret-90fd';
const CANARY_TOKEN = 'canary-token-5d2c';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/sandbox-AbCdEf';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/RetryQueue';
const pair = (secret: string) => JSON.stringify({ client_id: 'client-1', client_secret: secret });

describe('Handler: refresh (retry chain and fallback)', () => {
  const refresher = useRefresherHandler({
    env: { RETRY_QUEUE_URL: QUEUE_URL },
    credentials: (tokenUrl) => [
      { name: 'sandbox', tokenUrl, clientAuth: 'client_secret_post', secretId: SECRET_ARN },
    ],
    secret: { SecretString: pair(GOOD_SECRET), VersionId: 'v-good' },
    canaries: [TYPO_SECRET, GOOD_SECRET, CANARY_TOKEN],
  });
  const { dynamodb, secretsManager, sqs } = refresher;
  const retryMessage = (ticket: { attempt: number; dueAt: number }) => ({
    Records: [
      {
        messageId: 'm-1',
        eventSource: 'aws:sqs',
        body: JSON.stringify({ credential: 'sandbox', reason: 'retry', retry: ticket }),
      },
    ],
  });
  /** The state item's answer to a retry run taking its run (StateStore.startRetry). */
  const runStart = () =>
    dynamodb.on(UpdateItemCommand, {
      UpdateExpression:
        'SET retryDueAt = :due, retryAttempt = :attempt, retryRunUntil = :until, retryOwner = :owner REMOVE retryReleasedDueAt',
    });

  it('starts the chain after a scheduled run fails with an outage: claims the lease, sends retry 1 in 15 s', async () => {
    // Prepare: down for all four in-run attempts
    refresher.server.script(...Array.from({ length: 4 }, () => json(503, {}, { 'retry-after': '0' })));

    // Act
    const error = await refresher
      .handler({ credential: 'sandbox', reason: 'schedule' }, lambdaContext('refresher'))
      .catch((caught: Error) => caught);

    // Assess: still thrown for Lambda's async retries, and the chain has begun
    expect(error).toMatchObject({ name: 'TokenEndpointUnavailable' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { credential: { S: 'sandbox#state' } },
      UpdateExpression:
        'SET retryDueAt = :due, retryAttempt = :attempt, retryOwner = :owner REMOVE retryRunUntil, retryReleasedDueAt',
      ConditionExpression: 'attribute_not_exists(retryDueAt) OR retryDueAt < :stale',
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({ QueueUrl: QUEUE_URL, DelaySeconds: 15 });
    expect(JSON.parse(sent?.MessageBody ?? '')).toMatchObject({ reason: 'retry', retry: { attempt: 1 } });
    expect(refresher.output).toContain('"retry":"scheduled"');
  });

  it('answers a failed retry run (never throws: SQS would deliver it again) and sends the next retry in 30 s', async () => {
    // Prepare
    const ticket = { attempt: 1, dueAt: 1_795_000_000 };
    runStart().resolves({});
    refresher.server.script(json(503, {}));

    // Act
    const result = await refresher.handler(retryMessage(ticket), lambdaContext('refresher'));

    // Assess
    expect(result).toEqual({
      credential: 'sandbox',
      outcome: 'failed',
      error: 'TokenEndpointUnavailable',
      retryable: true,
      message: expect.stringContaining("credential 'sandbox'"),
      retry: 'scheduled',
    });
    expect(refresher.server.requests).toHaveLength(1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression:
        '(retryDueAt = :due AND (attribute_not_exists(retryRunUntil) OR retryRunUntil < :at)) OR (attribute_not_exists(retryDueAt) AND retryReleasedDueAt = :due)',
      ExpressionAttributeValues: expect.objectContaining({ ':due': { N: String(ticket.dueAt) } }),
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: 'attribute_not_exists(retryDueAt) OR retryDueAt < :stale OR retryDueAt = :held',
      ExpressionAttributeValues: expect.objectContaining({ ':held': { N: String(ticket.dueAt) } }),
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.DelaySeconds).toBe(30);
  });

  it('does nothing for a retry whose lease is gone or whose message another delivery runs', async () => {
    // Prepare
    runStart().rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = await refresher.handler(
      retryMessage({ attempt: 4, dueAt: 1_795_000_000 }),
      lambdaContext('refresher'),
    );

    // Assess
    expect(result).toEqual({ credential: 'sandbox', outcome: 'retry-not-needed', attempt: 4 });
    expect(refresher.output).toContain(
      'retry not needed: the retry chain ended or was restarted, or another delivery runs it',
    );
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    expect(refresher.server.requests).toHaveLength(0);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('runs a retry whose run cannot be taken in the state item, and says so in a warning', async () => {
    // Prepare: the write taking the run is denied (a policy that lost it, say)
    runStart().rejects(
      Object.assign(new Error('User is not authorized to perform: dynamodb:UpdateItem'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    refresher.server.script(json(503, {}));

    // Act
    const result = await refresher.handler(
      retryMessage({ attempt: 2, dueAt: 1_795_000_000 }),
      lambdaContext('refresher'),
    );

    // Assess: the retry ran (one token request) and the warning names the cause, not the text
    expect(result).toMatchObject({ credential: 'sandbox', outcome: 'failed', retry: 'scheduled' });
    expect(refresher.server.requests).toHaveLength(1);
    const warning = refresher.output
      .split('\n')
      .find((line) => line.includes("could not take the retry's run in the state item"));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 'WARN',
      credential: 'sandbox',
      errorName: 'TokenStoreError',
      errorMessage: expect.stringContaining('failed with AccessDeniedException'),
    });
    expect(warning).not.toContain('not authorized');
  });

  it('serves with AWSPREVIOUS when AWSCURRENT is rejected, and still counts SecretRejected', async () => {
    // Prepare: the operator saved a typo; the previous pair is still good
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves({ SecretString: pair(TYPO_SECRET), VersionId: 'v-typo' });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: pair(GOOD_SECRET), VersionId: 'v-good' });
    refresher.server.script(
      json(400, { error: 'invalid_client' }),
      json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600 }),
    );

    // Act
    const result = await refresher.handler(
      { credential: 'sandbox', reason: 'secret-rotated' },
      lambdaContext('refresher'),
    );

    // Assess
    expect(result).toEqual({
      credential: 'sandbox',
      outcome: 'written',
      expiresAt: expect.any(String),
      attempts: 2,
      secretStage: 'AWSPREVIOUS',
      secretRejected: true,
    });
    expect(refresher.server.requests.map((request) => request.body.includes(GOOD_SECRET))).toEqual([
      false,
      true,
    ]);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { credential: { S: 'sandbox#state' } },
      ExpressionAttributeValues: expect.objectContaining({
        ':stage': { S: 'AWSPREVIOUS' },
        ':inUseVersionId': { S: 'v-good' },
        ':rejectedVersionId': { S: 'v-typo' },
      }),
    });
    const emf = refresher.output;
    expect(emf).toContain('"RefreshSucceeded"');
    expect(emf).toContain('"SecretRejected"');
    expect(emf).toMatch(/"errorCode":"invalid_client"/);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });
});
