import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, lambdaContext, functionUrlEvent as urlEvent } from '../../../fakes/lambda-context.js';

const CANARY_TOKEN = 'canary-token-op5';
// biome-ignore lint/suspicious/noExplicitAny: the reader answers untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

describe('Handler: read (operations)', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const lambda = mockClient(LambdaClient);
  let handler: Handler;
  let output: ReturnType<typeof captureOutput>;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox,production');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    vi.stubEnv('REFRESHER_FUNCTION_NAME', 'refresher-fn');
    // Test files are isolated: this import initialises with this file's environment.
    ({ handler } = (await import('../../../../lambda/handlers/read.js')) as unknown as {
      handler: Handler;
    });
  });

  beforeEach(() => {
    dynamodb.reset();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    output = captureOutput();
  });

  afterEach(() => {
    const text = output.text();
    output.restore();
    expect(text).not.toContain(CANARY_TOKEN);
  });

  describe('Self-healing', () => {
    it('asks the refresher for a refresh when no token is stored, and still answers TokenUnavailable', async () => {
      // Prepare
      dynamodb.on(GetItemCommand).resolves({});
      dynamodb.on(UpdateItemCommand).resolves({});

      // Act
      const error = await handler({ credential: 'production' }, lambdaContext('reader')).catch(
        (e: Error) => e,
      );

      // Assess
      expect(error).toMatchObject({ name: 'TokenUnavailable' });
      expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
        Key: { credential: { S: 'production#state' } },
        ConditionExpression: expect.stringContaining('refreshRequestedAt < :notBefore'),
      });
      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
        FunctionName: 'refresher-fn',
        InvocationType: 'Event',
      });
      expect(output.text()).toContain('"RefreshRequested"');
    });

    it('does not invoke the refresher when another reader asked within the minute', async () => {
      dynamodb.on(GetItemCommand).resolves({});
      dynamodb.on(UpdateItemCommand).rejects(
        Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        }),
      );
      await expect(handler({}, lambdaContext('reader'))).rejects.toMatchObject({ name: 'TokenUnavailable' });
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });

    it('still answers TokenUnavailable (not a 500) when asking for a refresh fails', async () => {
      dynamodb.on(GetItemCommand).resolves({});
      dynamodb.on(UpdateItemCommand).resolves({});
      lambda.on(InvokeCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      const response = await handler(urlEvent('GET', '/token'), lambdaContext('reader'));
      expect(response.statusCode).toBe(503);
      expect(output.text()).toContain('could not ask the refresher');
    });

    it('does not ask for a refresh when a token is served', async () => {
      dynamodb.on(GetItemCommand).resolves({
        Item: {
          credential: { S: 'sandbox' },
          accessToken: { S: CANARY_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: String(now + 3000) },
          fetchedAt: { N: String(now) },
        },
      });
      await handler({}, lambdaContext('reader'));
      expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });
  });

  describe('Status', () => {
    beforeEach(() => {
      dynamodb.on(GetItemCommand).resolves({});
      dynamodb.on(GetItemCommand, { Key: { credential: { S: 'sandbox' } } }).resolves({
        Item: {
          credential: { S: 'sandbox' },
          accessToken: { S: CANARY_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: String(now + 1800) },
          fetchedAt: { N: String(now - 1800) },
        },
      });
      dynamodb.on(GetItemCommand, { Key: { credential: { S: 'sandbox#state' } } }).resolves({
        Item: {
          credential: { S: 'sandbox#state' },
          lastErrorName: { S: 'TokenRequestRejected' },
          lastErrorCode: { S: 'invalid_client' },
          lastErrorMessage: { S: "credential 'sandbox': rejected" },
          lastErrorAt: { N: String(now - 60) },
        },
      });
    });

    it('answers {"action":"status"} with every credential and no token', async () => {
      const status = await handler({ action: 'status' }, lambdaContext('reader'));
      expect(status.credentials.map((c: { credential: string }) => c.credential)).toEqual([
        'sandbox',
        'production',
      ]);
      expect(status.credentials[0]).toMatchObject({
        tokenStored: true,
        lastError: { name: 'TokenRequestRejected', code: 'invalid_client' },
      });
      expect(status.credentials[0].secondsRemaining).toBeGreaterThan(1790);
      expect(JSON.stringify(status)).not.toContain(CANARY_TOKEN);
    });

    it('answers GET /status over the URL with no-store', async () => {
      const response = await handler(urlEvent('GET', '/status'), lambdaContext('reader'));
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).not.toContain(CANARY_TOKEN);
      expect(JSON.parse(response.body).credentials).toHaveLength(2);
    });

    it.each([
      ['POST', '/status', '', 405],
      ['GET', '/status', 'credential=sandbox', 400],
      ['GET', '/token', 'action=status', 400],
    ])('%s %s?%s answers %i', async (method, path, query, status) => {
      const response = await handler(urlEvent(method, path, query), lambdaContext('reader'));
      expect(response.statusCode).toBe(status);
    });
  });
});
