import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  TokenStoreError,
  TokenUnavailable,
  UnknownCredential,
} from '../../../../lambda/core/errors.js';
import type { MiddlewareLogger } from '../../../../lambda/middleware/observability.js';
import { parseQuery, readerFace } from '../../../../lambda/middleware/reader-face.js';
import { functionUrlEvent } from '../../../fakes/lambda-context.js';

/** A handler behind the face that answers `answer` or throws it, recording what it was given. */
function faced(answer: unknown) {
  const payloads: unknown[] = [];
  const lines: Array<[string, string, unknown]> = [];
  const logger: MiddlewareLogger = {
    info: (message, fields) => lines.push(['info', message, fields]),
    warn: (message, fields) => lines.push(['warn', message, fields]),
    error: (message, fields) => lines.push(['error', message, fields]),
  };
  const handler = middy(async (payload: unknown) => {
    payloads.push(payload);
    if (answer instanceof Error) throw answer;
    return answer;
  }).use(readerFace({ logger }));
  const call = (event: unknown) => handler(event, {} as Context);
  return { call, payloads, lines };
}

type HttpAnswer = { statusCode: number; headers: Record<string, string>; body: string };

describe('Middleware: readerFace', () => {
  describe('Face: invoke', () => {
    it('passes the payload through and the answer back', async () => {
      const { call, payloads } = faced({ ok: true });
      await expect(call({ credential: 'sandbox' })).resolves.toEqual({ ok: true });
      expect(payloads).toEqual([{ credential: 'sandbox' }]);
    });

    it.each([
      [new BadRequest('x'), true],
      [new UnknownCredential('a', ['b']), true],
      [new TokenUnavailable('a', 'none'), true],
      [new TokenStoreError('a', 'GetItem failed'), false],
      [new Error('internal'), false],
    ])('%o is exposed to the caller: %s', async (error, exposed) => {
      // Prepare
      const { call, lines } = faced(error);

      // Act
      const thrown = await call({}).catch((caught: Error) => caught);

      // Assess
      if (exposed) {
        expect(thrown).toBe(error);
        expect(lines).toEqual([
          ['info', 'read refused', { errorName: error.name, errorMessage: error.message }],
        ]);
      } else {
        expect(thrown).toMatchObject({
          name: 'InternalError',
          message: 'internal error; see the reader logs',
        });
        expect(lines).toEqual([
          ['error', 'read failed', { errorName: error.name, errorMessage: error.message }],
        ]);
      }
    });
  });

  describe('Face: Function URL', () => {
    it('turns GET /token into the payload shape and answers JSON that no cache keeps', async () => {
      const { call, payloads } = faced({ accessToken: 't' });
      const response = (await call(
        functionUrlEvent('GET', '/token', 'credential=sandbox&minValiditySeconds=60'),
      )) as HttpAnswer;
      expect(payloads).toEqual([{ credential: 'sandbox', minValiditySeconds: 60 }]);
      expect(response).toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: '{"accessToken":"t"}',
      });
    });

    it('turns GET /status into the status action', async () => {
      const { call, payloads } = faced({ credentials: [] });
      await call(functionUrlEvent('GET', '/status'));
      expect(payloads).toEqual([{ action: 'status' }]);
    });

    it('answers TokenUnavailable with 503 and the contract Retry-After', async () => {
      const { call } = faced(new TokenUnavailable('sandbox', 'no token is stored yet'));
      const response = (await call(functionUrlEvent('GET', '/token'))) as HttpAnswer;
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(JSON.parse(response.body)).toMatchObject({ error: 'TokenUnavailable' });
    });

    it('answers MethodNotAllowed with Allow: GET before calling the handler', async () => {
      const { call, payloads } = faced({});
      const response = (await call(functionUrlEvent('POST', '/token'))) as HttpAnswer;
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET');
      expect(payloads).toEqual([]);
    });

    it('answers a generic 500 for anything else, its detail only in the log', async () => {
      const { call, lines } = faced(new TokenStoreError('sandbox', 'GetItem on table t failed'));
      const response = (await call(functionUrlEvent('GET', '/token'))) as HttpAnswer;
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({
        error: 'InternalError',
        message: 'internal error; see the reader logs',
      });
      expect(JSON.stringify(lines)).toContain('GetItem on table t failed');
    });
  });
});

describe('Function: parseQuery', () => {
  it('decodes keys and values, + as a space', () => {
    expect(parseQuery('credential=a%2Db&x=1+2&flag')).toEqual(
      new Map([
        ['credential', 'a-b'],
        ['x', '1 2'],
        ['flag', ''],
      ]),
    );
  });

  it.each([
    ['a=1&a=2', "query parameter 'a' is repeated"],
    ['a=%E0%A4%A', 'invalid percent-encoding'],
  ])('refuses %s', (raw, message) => {
    expect(() => parseQuery(raw)).toThrow(message);
  });
});
