/**
 * Reader bad input, through the reader handler on both faces: every malformed request
 * gets the right error name (invoke) or JSON error body and status (HTTP), and server
 * errors never carry internal detail.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, functionUrlEvent, lambdaContext } from '../fakes/lambda-context.js';
import { CANARY_TOKEN } from './harness.js';

const urlEvent = (method: string, path: string, query = '') =>
  functionUrlEvent(method, path, query, {
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/canary-authz',
  });

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
type HttpAnswer = { statusCode: number; headers: Record<string, string>; body: string };

function storedItem(credential: string, secondsLeft = 3000) {
  const now = Math.floor(Date.now() / 1000);
  return {
    credential: { S: credential },
    accessToken: { S: CANARY_TOKEN },
    tokenType: { S: 'Bearer' },
    expiresAt: { N: String(now + secondsLeft) },
    fetchedAt: { N: String(now - 10) },
  };
}

const INVOKE_ROWS: Array<[string, unknown, string | 'served']> = [
  ['null (defaults apply)', null, 'served'],
  ['an empty object', {}, 'served'],
  ['an array', [{ credential: 'sandbox' }], 'BadRequest'],
  ['a string', 'sandbox', 'BadRequest'],
  ['a number', 42, 'BadRequest'],
  ['a boolean', true, 'BadRequest'],
  ['a 1 MiB object', { credential: 'a'.repeat(1024 * 1024) }, 'BadRequest'],
  [
    'a 1 MiB object of unknown fields',
    Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'x'.repeat(40)])),
    'BadRequest',
  ],
  ['an unknown credential', { credential: 'staging' }, 'UnknownCredential'],
  ['bad name characters', { credential: 'Sandbox!' }, 'BadRequest'],
  ['a path-like name', { credential: '../production' }, 'BadRequest'],
  ['a 65-character name', { credential: 'a'.repeat(65) }, 'BadRequest'],
  ['an empty name', { credential: '' }, 'BadRequest'],
  ['minValiditySeconds -1', { minValiditySeconds: -1 }, 'BadRequest'],
  ['minValiditySeconds 0', { minValiditySeconds: 0 }, 'served'],
  ['minValiditySeconds 10^9', { minValiditySeconds: 1e9 }, 'BadRequest'],
  ['minValiditySeconds "300"', { minValiditySeconds: '300' }, 'BadRequest'],
  ['minValiditySeconds NaN', { minValiditySeconds: Number.NaN }, 'BadRequest'],
  ['minValiditySeconds Infinity', { minValiditySeconds: Number.POSITIVE_INFINITY }, 'BadRequest'],
  ['minValiditySeconds null', { minValiditySeconds: null }, 'BadRequest'],
  ['credential null', { credential: null }, 'BadRequest'],
  ['a prototype-polluting key', JSON.parse('{"__proto__": {"credential": "sandbox"}}'), 'BadRequest'],
  ['__proto__ holding a string', JSON.parse('{"__proto__": "x"}'), 'BadRequest'],
  ['__proto__ next to a valid field', JSON.parse('{"credential": "sandbox", "__proto__": {}}'), 'BadRequest'],
  ['a constructor key', JSON.parse('{"constructor": {"prototype": {}}}'), 'BadRequest'],
  ['a prototype key', JSON.parse('{"prototype": "x"}'), 'BadRequest'],
  ['a status request with __proto__', JSON.parse('{"action": "status", "__proto__": {}}'), 'BadRequest'],
  ['minValiditySeconds 1800', { minValiditySeconds: 1800 }, 'served'],
  ['minValiditySeconds 1801', { minValiditySeconds: 1801 }, 'BadRequest'],
  ['minValiditySeconds 3600', { minValiditySeconds: 3600 }, 'BadRequest'],
  ['a rejectedTokenHash of another token', { rejectedTokenHash: '0123456789abcdef' }, 'served'],
  ['a rejectedTokenHash in capitals', { rejectedTokenHash: '0123456789ABCDEF' }, 'BadRequest'],
  ['a rejectedTokenHash that is the token', { rejectedTokenHash: CANARY_TOKEN }, 'BadRequest'],
  ['a numeric rejectedTokenHash', { rejectedTokenHash: 123 }, 'BadRequest'],
];

const HTTP_ROWS: Array<[string, string, string, number, string]> = [
  ['POST', '/token', 'credential=sandbox', 405, 'MethodNotAllowed'],
  ['PUT', '/token', '', 405, 'MethodNotAllowed'],
  ['DELETE', '/token', '', 405, 'MethodNotAllowed'],
  ['PATCH', '/token', '', 405, 'MethodNotAllowed'],
  ['GET', '/', '', 404, 'NotFound'],
  ['GET', '/tokens', '', 404, 'NotFound'],
  ['GET', '/token/', '', 404, 'NotFound'],
  ['GET', '/../token', '', 404, 'NotFound'],
  ['GET', '/token', 'credential=sandbox&credential=production', 400, 'BadRequest'],
  ['GET', '/token', 'credential=%ZZ', 400, 'BadRequest'],
  ['GET', '/token', 'credential=%E0%A4%A', 400, 'BadRequest'],
  ['GET', '/token', 'credential=Sandbox', 400, 'BadRequest'],
  ['GET', '/token', 'credential=staging', 404, 'UnknownCredential'],
  ['GET', '/token', 'minValiditySeconds=-1', 400, 'BadRequest'],
  ['GET', '/token', 'minValiditySeconds=1e3', 400, 'BadRequest'],
  ['GET', '/token', 'minValiditySeconds=99999999999', 400, 'BadRequest'],
  ['GET', '/token', 'unknown=1', 400, 'BadRequest'],
  ['GET', '/token', '__proto__=x', 400, 'BadRequest'],
  ['GET', '/token', '__proto__', 400, 'BadRequest'],
  ['GET', '/token', 'credential=sandbox&__proto__=production', 400, 'BadRequest'],
  ['GET', '/token', '%5F%5Fproto%5F%5F=x', 400, 'BadRequest'],
  ['GET', '/token', 'constructor=x', 400, 'BadRequest'],
  ['GET', '/token', 'prototype=x', 400, 'BadRequest'],
  ['GET', '/token', 'hasOwnProperty=x', 400, 'BadRequest'],
  ['GET', '/token', 'minValiditySeconds=1801', 400, 'BadRequest'],
  ['GET', '/token', 'minValiditySeconds=3600', 400, 'BadRequest'],
  ['GET', '/token', 'rejectedTokenHash=0123456789ABCDEF', 400, 'BadRequest'],
  ['GET', '/token', 'rejectedTokenHash=', 400, 'BadRequest'],
  ['GET', '/token', 'rejectedTokenHash=a&rejectedTokenHash=b', 400, 'BadRequest'],
  ['GET', '/status', '__proto__=x', 400, 'BadRequest'],
];

describe('Faults: reader bad input', () => {
  const dynamodb = mockClient(DynamoDBClient);
  let handler: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox,production');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    ({ handler } = (await import('../../lambda/handlers/read.js')) as unknown as { handler: Handler });
  });

  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(GetItemCommand).callsFake((input) => ({ Item: storedItem(input.Key.credential.S) }));
    output = captureOutput();
  });

  afterEach(() => {
    const logged = output.text();
    output.restore();
    expect(logged).not.toContain(CANARY_TOKEN);
    expect(logged).not.toContain('canary-authz');
  });

  describe('Face: invoke', () => {
    it.each(INVOKE_ROWS)('%s -> %s', async (_name, payload, expected) => {
      const answer = await handler(payload, lambdaContext('reader')).catch((error: Error) => error);
      if (expected === 'served') {
        expect(answer).toMatchObject({
          credential: 'sandbox',
          accessToken: CANARY_TOKEN,
          tokenType: 'Bearer',
        });
      } else {
        expect(answer).toBeInstanceOf(Error);
        expect((answer as Error).name).toBe(expected);
        // A refusal is short: it does not echo a 1 MiB payload back.
        expect((answer as Error).message.length).toBeLessThan(300);
        expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
      }
    });
  });

  describe('Face: Function URL', () => {
    it.each(HTTP_ROWS)('%s %s?%s -> %i %s', async (method, path, query, status, name) => {
      const answer = (await handler(urlEvent(method, path, query), lambdaContext('reader'))) as HttpAnswer;
      expect(answer.statusCode).toBe(status);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(answer.body);
      expect(body).toEqual({ error: name, message: expect.any(String) });
      expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
    });

    it.each([
      ['rejectedTokenHash=0123456789abcdef', 200],
      ['credential=production&minValiditySeconds=60&rejectedTokenHash=fedcba9876543210', 200],
    ])('accepts %s', async (query, status) => {
      const answer = (await handler(urlEvent('GET', '/token', query), lambdaContext('reader'))) as HttpAnswer;
      expect(answer.statusCode).toBe(status);
      expect(JSON.parse(answer.body)).toMatchObject({ accessToken: CANARY_TOKEN });
    });

    it('never serves the token whose hash the caller sends', async () => {
      // Prepare: the hash a client computes of the stored token
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(CANARY_TOKEN).digest('hex').slice(0, 16);

      // Act
      const answer = (await handler(
        urlEvent('GET', '/token', `rejectedTokenHash=${hash}`),
        lambdaContext('reader'),
      )) as HttpAnswer;
      const invoked = await handler({ rejectedTokenHash: hash }, lambdaContext('reader')).catch(
        (error: Error) => error,
      );

      // Assess
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
      expect(JSON.parse(answer.body).error).toBe('TokenUnavailable');
      expect(answer.body).not.toContain(CANARY_TOKEN);
      expect(invoked).toMatchObject({ name: 'TokenUnavailable' });
    });

    it('answers a valid request with the token', async () => {
      const answer = (await handler(
        urlEvent('GET', '/token', 'credential=production'),
        lambdaContext('reader'),
      )) as HttpAnswer;
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ credential: 'production', accessToken: CANARY_TOKEN });
    });

    it.each([
      ['AccessDeniedException', 'User: arn:aws:sts::111122223333:assumed-role/reader is not authorized'],
      ['ResourceNotFoundException', 'Requested resource not found: Table: tokens not found'],
      ['TypeError', "Cannot read properties of undefined (reading 'S')"],
    ])('a store failure (%s) answers a bare 500 without internal detail', async (name, message) => {
      dynamodb.on(GetItemCommand).rejects(Object.assign(new Error(message), { name }));
      const answer = (await handler(urlEvent('GET', '/token'), lambdaContext('reader'))) as HttpAnswer;
      expect(answer.statusCode).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({
        error: 'InternalError',
        message: 'internal error; see the reader logs',
      });
      expect(answer.body).not.toContain('tokens');
      expect(answer.body).not.toContain('arn:aws');
    });
  });
});
