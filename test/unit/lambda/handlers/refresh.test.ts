import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { REFRESH_REASONS } from '../../../../contract/index.js';
import { lambdaContext } from '../../../fakes/lambda-context.js';
import { json } from '../../../fakes/scripted-http-server.js';
import { useRefresherHandler } from '../../../support/refresher-handler.js';

const CANARY_SECRET = 'canary-secret-91b2';
const CANARY_TOKEN = 'canary-token-44ac';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/sandbox-AbCdEf';

describe('Handler: refresh', () => {
  const refresher = useRefresherHandler({
    // The schedule's interval: a token must outlive it by the default validity (50 min + 5 min).
    env: { REFRESH_INTERVAL_SECONDS: '3000' },
    credentials: (tokenUrl) => [
      { name: 'sandbox', tokenUrl, clientAuth: 'client_secret_post', secretId: SECRET_ARN },
      { name: 'production', tokenUrl, clientAuth: 'client_secret_basic', secretId: 'prod-arn' },
    ],
    secret: { SecretString: JSON.stringify({ client_id: 'client-1', client_secret: CANARY_SECRET }) },
    canaries: [CANARY_SECRET, CANARY_TOKEN],
  });
  const { dynamodb, secretsManager } = refresher;

  it('stores the token for the scheduled credential and answers without it', async () => {
    // Prepare
    refresher.server.script(
      json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600 }),
    );

    // Act
    const result = await refresher.handler({ credential: 'sandbox' }, lambdaContext('refresher'));

    // Assess
    expect(result).toEqual({
      credential: 'sandbox',
      outcome: 'written',
      expiresAt: expect.any(String),
      attempts: 1,
    });
    expect(JSON.stringify(result)).not.toContain(CANARY_TOKEN);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'tokens',
      Item: expect.objectContaining({ credential: { S: 'sandbox' }, accessToken: { S: CANARY_TOKEN } }),
    });
    expect(refresher.output).toContain('"token refreshed"');
    expect(refresher.output).toContain('"RefreshSucceeded"');
  });

  it('fails the invocation on invalid_client, writes nothing and says what to do', async () => {
    refresher.server.script(json(401, { error: 'invalid_client' }));
    const error = await refresher
      .handler({ credential: 'sandbox' }, lambdaContext('refresher'))
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'TokenRequestRejected' });
    expect((error as Error).message).toContain("credential 'sandbox'");
    expect((error as Error).message).toContain('invalid_client');
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 0);
    expect(refresher.output).toContain('"RefreshFailed"');
  });

  it('retries a 503 with Retry-After and then stores', async () => {
    refresher.server.script(
      json(503, { error: 'unavailable' }, { 'retry-after': '0' }),
      json(200, { access_token: CANARY_TOKEN, token_type: 'bearer', expires_in: 3600 }),
    );
    const result = await refresher.handler({ credential: 'production' }, lambdaContext('refresher'));
    expect(result).toMatchObject({ credential: 'production', attempts: 2 });
    expect(refresher.server.requests).toHaveLength(2);
    expect(refresher.server.requests[1]?.headers.authorization).toMatch(/^Basic /);
  });

  it('answers secret-not-set, without failing, while the secret holds the placeholder', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: '{"client_id":"REPLACE_ME","client_secret":"REPLACE_ME"}' });
    const result = await refresher.handler(
      { credential: 'sandbox', reason: 'deploy' },
      lambdaContext('refresher'),
    );
    expect(result).toMatchObject({ credential: 'sandbox', outcome: 'secret-not-set' });
    expect(refresher.server.requests).toHaveLength(0);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { credential: { S: 'sandbox#state' } },
      ExpressionAttributeValues: expect.objectContaining({ ':name': { S: 'SecretNotSet' } }),
    });
    expect(refresher.output).not.toContain('"RefreshFailed"');
  });

  it('counts a rejected secret and the OAuth error code for the alarms and the dashboard', async () => {
    refresher.server.script(json(401, { error: 'invalid_client' }));
    await expect(refresher.handler({ credential: 'sandbox' }, lambdaContext('refresher'))).rejects.toThrow(
      'invalid_client',
    );
    const emf = refresher.output;
    expect(emf).toContain('"SecretRejected"');
    expect(emf).toMatch(
      /"errorCode":"invalid_client"[^\n]*"TokenEndpointRejected"|"TokenEndpointRejected"[^\n]*"errorCode":"invalid_client"/,
    );
    expect(emf).toContain('"TokenSecondsRemaining"');
  });

  describe('a failure that retrying cannot fix', () => {
    const asynchronous = REFRESH_REASONS.filter((reason) => reason !== 'manual');
    // A retry run holds its chain's lease (the state item says so) and carries its ticket.
    const ticket = { attempt: 2, dueAt: 1_795_000_000 };

    it.each(asynchronous)(
      'is answered, not thrown, on an asynchronous invoke (reason %s): no Lambda retry, still counted and recorded',
      async (reason) => {
        // Prepare
        refresher.server.script(json(401, { error: 'invalid_client' }));
        dynamodb.on(GetItemCommand, { Key: { credential: { S: 'sandbox#state' } } }).resolves({
          Item: { retryDueAt: { N: String(ticket.dueAt) }, retryAttempt: { N: String(ticket.attempt) } },
        });

        // Act
        const result = await refresher.handler(
          { credential: 'sandbox', reason, ...(reason === 'retry' ? { retry: ticket } : {}) },
          lambdaContext('refresher'),
        );

        // Assess
        expect(result).toEqual({
          credential: 'sandbox',
          outcome: 'rejected',
          error: 'TokenRequestRejected',
          code: 'invalid_client',
          retryable: false,
          message: expect.stringContaining('invalid_client'),
        });
        expect(refresher.server.requests).toHaveLength(1);
        expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 0);
        expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
          Key: { credential: { S: 'sandbox#state' } },
          ExpressionAttributeValues: expect.objectContaining({
            ':name': { S: 'TokenRequestRejected' },
            ':retryable': { BOOL: false },
          }),
        });
        const emf = refresher.output;
        expect(emf).toContain('"RefreshFailed"');
        expect(emf).toContain('"SecretRejected"');
        expect(emf).toContain('"TokenSecondsRemaining"');
        expect(emf).toContain('"token refresh failed; the stored token was left as it was"');
      },
    );

    it.each([
      ['reason manual', { credential: 'sandbox', reason: 'manual' }],
      ['no reason', { credential: 'sandbox' }],
    ])('is thrown on a direct invoke (%s), so the operator sees the FunctionError', async (_case, event) => {
      refresher.server.script(json(400, { error: 'invalid_scope' }));
      const error = await refresher.handler(event, lambdaContext('refresher')).catch((e: Error) => e);
      expect(error).toMatchObject({ name: 'TokenRequestRejected' });
      expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
        ExpressionAttributeValues: expect.objectContaining({ ':retryable': { BOOL: false } }),
      });
    });

    it('a malformed response on a schedule is answered too', async () => {
      refresher.server.script(json(200, { access_token: CANARY_TOKEN, token_type: 'mac', expires_in: 3600 }));
      const result = await refresher.handler(
        { credential: 'sandbox', reason: 'schedule' },
        lambdaContext('refresher'),
      );
      expect(result).toMatchObject({ outcome: 'rejected', error: 'TokenResponseInvalid', retryable: false });
      expect(result).not.toHaveProperty('code');
    });
  });

  it('still throws a retryable failure of an asynchronous invoke, so Lambda retries it later', async () => {
    refresher.server.script(json(503, {}, { 'retry-after': '0' }));
    const error = await refresher
      .handler({ credential: 'sandbox', reason: 'schedule' }, lambdaContext('refresher'))
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'TokenEndpointUnavailable' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':retryable': { BOOL: true } }),
    });
  });

  it('counts TokenLifetimeTooShort when the token will not outlive the next run by the default validity', async () => {
    // Prepare: 3299 s < 3000 s (interval) + 300 s (default validity).
    refresher.server.script(
      json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3299 }),
    );

    // Act
    const result = await refresher.handler(
      { credential: 'sandbox', reason: 'schedule' },
      lambdaContext('refresher'),
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'written', lifetimeTooShort: true });
    expect(refresher.output).toContain('"TokenLifetimeTooShort"');
    expect(refresher.output).toContain('"RefreshSucceeded"');
  });

  it('does not count TokenLifetimeTooShort for a token that outlives the next run', async () => {
    refresher.server.script(
      json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3301 }),
    );
    const result = await refresher.handler(
      { credential: 'sandbox', reason: 'schedule' },
      lambdaContext('refresher'),
    );
    expect(result).not.toHaveProperty('lifetimeTooShort');
    expect(refresher.output).not.toContain('"TokenLifetimeTooShort"');
  });

  it.each([
    [{}, 'BadRequest'],
    [{ credential: 'staging' }, 'UnknownCredential'],
  ])('rejects the event %j with %s before reading any secret', async (event, name) => {
    await expect(refresher.handler(event, lambdaContext('refresher'))).rejects.toMatchObject({ name });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });
});
