import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, functionUrlEvent, lambdaContext } from '../../../fakes/lambda-context.js';

const urlEvent = (method: string, path: string, query = '') =>
  functionUrlEvent(method, path, query, { authorization: 'AWS4-HMAC-SHA256 Credential=canary-authz-header' });

const CANARY_TOKEN = 'canary-token-5d1e';

/** A stored item as DynamoDB returns it. */
function item(credential: string, secondsLeft: number, accessToken = CANARY_TOKEN) {
  const now = Math.floor(Date.now() / 1000);
  return {
    credential: { S: credential },
    accessToken: { S: accessToken },
    tokenType: { S: 'Bearer' },
    expiresAt: { N: String(now + secondsLeft) },
    fetchedAt: { N: String(now - 60) },
    ttl: { N: String(now + secondsLeft + 86_400) },
  };
}

describe('Handler: read', () => {
  const dynamodb = mockClient(DynamoDBClient);
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox,production');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'TokenBroker');
    ({ handler } = (await import('../../../../lambda/handlers/read.js')) as unknown as {
      handler: typeof handler;
    });
  });

  beforeEach(() => {
    dynamodb.reset();
    output = captureOutput();
  });

  afterEach(() => {
    const text = output.text();
    output.restore();
    // Whatever the case did, no token and no Authorization header may reach a log or metric.
    expect(text).not.toContain(CANARY_TOKEN);
    expect(text).not.toContain('canary-authz-header');
  });

  describe('Face: invoke', () => {
    it('answers the success body for the default credential', async () => {
      // Prepare
      dynamodb.on(GetItemCommand).resolves({ Item: item('sandbox', 3000) });

      // Act
      const body = await handler({}, lambdaContext('reader'));

      // Assess
      expect(body).toEqual({
        credential: 'sandbox',
        accessToken: CANARY_TOKEN,
        tokenType: 'Bearer',
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
        expiresIn: expect.any(Number),
      });
      expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
        TableName: 'tokens',
        Key: { credential: { S: 'sandbox' } },
      });
      expect(output.text()).toContain('"ReadServed"');
    });

    it.each([
      ['BadRequest', 'not-an-object'],
      ['BadRequest', { credential: 'Bad Name' }],
      ['UnknownCredential', { credential: 'staging' }],
    ])('throws %s for %j, with the name as errorType', async (name, payload) => {
      await expect(handler(payload, lambdaContext('reader'))).rejects.toMatchObject({ name });
      expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
    });

    it('throws TokenUnavailable when the token has too little validity left', async () => {
      dynamodb.on(GetItemCommand).resolves({ Item: item('production', 120) });
      await expect(handler({ credential: 'production' }, lambdaContext('reader'))).rejects.toMatchObject({
        name: 'TokenUnavailable',
        message: expect.stringContaining("credential 'production'"),
      });
      expect(output.text()).toContain('"ReadUnavailable"');
    });

    it('hides store failures behind a generic InternalError', async () => {
      const denied = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      });
      dynamodb.on(GetItemCommand).rejects(denied);
      const error = await handler({}, lambdaContext('reader')).catch((caught: Error) => caught);
      expect(error).toMatchObject({ name: 'InternalError', message: 'internal error; see the reader logs' });
      expect(output.text()).toContain('AccessDeniedException');
      expect(output.text()).toContain('"ReadFailed"');
    });
  });

  describe('Face: Function URL', () => {
    it('answers 200 with the token and Cache-Control: no-store', async () => {
      dynamodb.on(GetItemCommand).resolves({ Item: item('production', 3000) });
      const response = (await handler(
        urlEvent('GET', '/token', 'credential=production&minValiditySeconds=60'),
        lambdaContext('reader'),
      )) as { statusCode: number; headers: Record<string, string>; body: string };
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(response.body)).toMatchObject({
        credential: 'production',
        accessToken: CANARY_TOKEN,
      });
    });

    it.each([
      ['POST', '/token', '', 405, 'MethodNotAllowed'],
      ['DELETE', '/token', '', 405, 'MethodNotAllowed'],
      ['GET', '/', '', 404, 'NotFound'],
      ['GET', '/token', 'credential=a&credential=b', 400, 'BadRequest'],
      ['GET', '/token', 'credential=%E0%A4%A', 400, 'BadRequest'],
      ['GET', '/token', 'minValiditySeconds=abc', 400, 'BadRequest'],
      ['GET', '/token', 'credential=staging', 404, 'UnknownCredential'],
    ])('%s %s?%s answers %i %s as JSON', async (method, path, query, status, name) => {
      const response = (await handler(urlEvent(method, path, query), lambdaContext('reader'))) as {
        statusCode: number;
        body: string;
        headers: Record<string, string>;
      };
      expect(response.statusCode).toBe(status);
      expect(JSON.parse(response.body)).toMatchObject({ error: name, message: expect.any(String) });
      if (status === 405) expect(response.headers.allow).toBe('GET');
    });

    it('answers 503 with Retry-After when no token is stored', async () => {
      dynamodb.on(GetItemCommand).resolves({});
      const response = (await handler(urlEvent('GET', '/token'), lambdaContext('reader'))) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(response.body).error).toBe('TokenUnavailable');
    });

    it('answers a bare 500 without internal detail when the store fails', async () => {
      dynamodb
        .on(GetItemCommand)
        .rejects(Object.assign(new Error('table tokens not found'), { name: 'ResourceNotFoundException' }));
      const response = (await handler(urlEvent('GET', '/token'), lambdaContext('reader'))) as {
        statusCode: number;
        body: string;
      };
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({
        error: 'InternalError',
        message: 'internal error; see the reader logs',
      });
    });
  });
});
