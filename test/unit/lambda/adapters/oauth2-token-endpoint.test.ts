import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KNOWN_OAUTH_ERROR_CODES } from '../../../../contract/index.js';
import { FetchTokenEndpoint } from '../../../../lambda/adapters/oauth2-token-endpoint.js';
import {
  TokenEndpointUnavailable,
  TokenRequestRejected,
  TokenResponseInvalid,
} from '../../../../lambda/core/errors.js';
import type { TokenRequest } from '../../../../lambda/core/ports.js';
import {
  json,
  raw,
  type ScriptedHttpServer,
  startScriptedHttpServer,
} from '../../../fakes/scripted-http-server.js';

const CANARY_SECRET = 'canary-secret+/=&%';
const ok = json(200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 });

describe('Class: FetchTokenEndpoint', () => {
  let server: ScriptedHttpServer;
  const endpoint = new FetchTokenEndpoint({ maxBodyBytes: 1024 });
  const request = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
    credential: 'default',
    tokenUrl: server.url,
    clientAuth: 'client_secret_post',
    clientId: 'client-1',
    clientSecret: CANARY_SECRET,
    timeoutMs: 2_000,
    ...overrides,
  });
  /** The error a request fails with, checked to hold no secret. */
  const failure = async (overrides: Partial<TokenRequest> = {}) => {
    const error = await endpoint.requestToken(request(overrides)).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(JSON.stringify({ m: error?.message, s: error?.stack })).not.toContain('canary-secret');
    return error as Error;
  };

  beforeAll(async () => {
    server = await startScriptedHttpServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('POSTs a form with client_secret_post, as the A55 reference shows', async () => {
    // Prepare
    server.script(ok);

    // Act
    const response = await endpoint.requestToken(request({ scope: 'wallets/read payments' }));

    // Assess
    expect(response.body).toEqual({ access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 });
    const sent = server.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: CANARY_SECRET,
      scope: 'wallets/read payments',
    });
  });

  it('sends an RFC 6749 Basic header with client_secret_basic and no secret in the body', async () => {
    server.script(ok);
    await endpoint.requestToken(request({ clientAuth: 'client_secret_basic' }));
    const sent = server.requests[0];
    const decoded = Buffer.from(
      String(sent?.headers.authorization).replace(/^Basic /, ''),
      'base64',
    ).toString();
    expect(decoded).toBe(`client-1:${encodeURIComponent(CANARY_SECRET)}`);
    expect(new URLSearchParams(sent?.body).get('client_secret')).toBeNull();
    expect(new URLSearchParams(sent?.body).get('grant_type')).toBe('client_credentials');
  });

  it.each([
    [400, { error: 'invalid_request' }, 'invalid_request', 'check tokenUrl and clientAuth'],
    [
      400,
      { error: 'unsupported_grant_type' },
      'unsupported_grant_type',
      'does not support client_credentials',
    ],
    [401, { error: 'invalid_client' }, 'invalid_client', 'paste the current pair'],
    [401, 'Unauthorized', undefined, 'paste the current pair'],
    [403, '<html>Forbidden</html>', undefined, 'WAF'],
    [404, 'Not Found', undefined, 'not a token endpoint'],
    [301, '', undefined, 'redirected'],
  ])('refuses HTTP %i without retrying (error %s)', async (status, body, code, advice) => {
    // Prepare
    server.script(typeof body === 'string' ? raw(status, body) : json(status, body));

    // Act
    const error = await failure();

    // Assess
    expect(error).toBeInstanceOf(TokenRequestRejected);
    expect((error as TokenRequestRejected).retryable).toBe(false);
    expect((error as TokenRequestRejected).oauthError).toBe(code);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain(advice);
  });

  it.each([
    ['a code no OAuth specification defines', { error: 'unknown_thing' }, 'other'],
    [
      'the echoed client_secret parameter',
      { error: `client_secret=${encodeURIComponent(CANARY_SECRET)}` },
      'other',
    ],
    ['constructor (an Object property name)', { error: 'constructor' }, 'other'],
    ['toString (an Object property name)', { error: 'toString' }, 'other'],
    ['hasOwnProperty (an Object property name)', { error: 'hasOwnProperty' }, 'other'],
    ['__proto__ (an Object property name)', JSON.parse('{"error":"__proto__"}') as object, 'other'],
    ['a number', { error: 400 }, 'other'],
    ['an object', { error: { code: 'invalid_client' } }, 'other'],
    ['no error member', { message: 'nope' }, undefined],
    [
      'an error only under __proto__',
      JSON.parse('{"__proto__":{"error":"invalid_client"}}') as object,
      undefined,
    ],
  ])('passes on only known OAuth error codes: %s becomes %s', async (_case, body, code) => {
    // Prepare
    server.script(json(400, body));

    // Act
    const error = (await failure()) as TokenRequestRejected;

    // Assess
    expect(error).toBeInstanceOf(TokenRequestRejected);
    expect(error.oauthError).toBe(code);
    expect(error.message).not.toMatch(/native code|function|\[object/);
    expect(error.message).not.toContain('unknown_thing');
    expect(error.message).not.toContain('constructor');
    expect(error.message).not.toContain('toString');
    expect(error.message).toContain('not retried; check tokenUrl, clientAuth and the credentials');
  });

  it.each(KNOWN_OAUTH_ERROR_CODES)('passes on the known code %s', async (code) => {
    server.script(json(400, { error: code }));
    const error = (await failure()) as TokenRequestRejected;
    expect(error.oauthError).toBe(code);
    expect(error.message).toContain(`(${code})`);
  });

  it.each([
    [429, { 'retry-after': '3' }, 3],
    [503, {}, undefined],
    [500, {}, undefined],
  ])(
    'classifies HTTP %i with a body over the cap by its status: retryable, not an invalid response',
    async (status, headers, retryAfter) => {
      // Prepare: an error page far larger than any token response.
      server.script((_request, response) => {
        response.writeHead(status, { 'content-type': 'text/html', ...headers });
        response.end(`<html>${'x'.repeat(5_000)}</html>`);
      });

      // Act
      const error = await failure();

      // Assess
      expect(error).toBeInstanceOf(TokenEndpointUnavailable);
      expect(error.message).toContain(`HTTP ${status}`);
      expect((error as TokenEndpointUnavailable).retryAfterSeconds).toBe(retryAfter);
    },
  );

  it('classifies a 4xx with a body over the cap as refused by its status, without a code', async () => {
    server.script(raw(403, 'x'.repeat(5_000)));
    const error = (await failure()) as TokenRequestRejected;
    expect(error).toBeInstanceOf(TokenRequestRejected);
    expect(error.httpStatus).toBe(403);
    expect(error.oauthError).toBeUndefined();
  });

  it('does not show a content-type that is not a media type', async () => {
    server.script((_request, response) => {
      response.writeHead(200, { 'content-type': `text/html; x=${CANARY_SECRET}` });
      response.end('<html></html>');
    });
    const error = await failure();
    expect(error.message).toContain('not JSON (text/html)');
    server.script((_request, response) => {
      response.writeHead(200, { 'content-type': `client_secret=${encodeURIComponent(CANARY_SECRET)}` });
      response.end('<html></html>');
    });
    const odd = await failure();
    expect(odd.message).toContain('not JSON (an unrecognised content-type)');
  });

  it('does not echo error_description, which a server may fill with what it received', async () => {
    server.script(json(401, { error: 'invalid_client', error_description: `bad secret ${CANARY_SECRET}` }));
    const error = await failure();
    expect(error.message).not.toContain('bad secret');
  });

  it.each([
    [429, () => ({ 'retry-after': '12' }), 12],
    // The date is made when the answer is sent: made when the file loads, a busy run would age it.
    [503, () => ({ 'retry-after': new Date(Date.now() + 30_000).toUTCString() }), 30],
    [500, () => ({}), undefined],
    [502, () => ({}), undefined],
    [504, () => ({}), undefined],
  ])('marks HTTP %i retryable with its Retry-After', async (status, headers, retryAfter) => {
    server.script((request, response) => json(status, { error: 'slow_down' }, headers())(request, response));
    const error = await failure();
    expect(error).toBeInstanceOf(TokenEndpointUnavailable);
    expect((error as TokenEndpointUnavailable).retryable).toBe(true);
    const seconds = (error as TokenEndpointUnavailable).retryAfterSeconds;
    if (retryAfter === undefined) expect(seconds).toBeUndefined();
    else expect(seconds).toBeGreaterThanOrEqual(retryAfter - 1);
  });

  it('times out a server that sends no headers', async () => {
    server.script(async (_request, response) => {
      await sleep(1_000);
      response.end();
    });
    const error = await failure({ timeoutMs: 200 });
    expect(error).toBeInstanceOf(TokenEndpointUnavailable);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('times out a body that trickles in too slowly', async () => {
    server.script(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":');
      await sleep(1_000);
      response.end('"x"}');
    });
    const error = await failure({ timeoutMs: 300 });
    expect(error).toBeInstanceOf(TokenEndpointUnavailable);
    expect(error.message).toContain('while reading the body');
  });

  it('fails retryably when the connection is refused', async () => {
    // Prepare: a port that was just free, so nothing listens on it.
    const closed = await startScriptedHttpServer();
    await closed.stop();

    // Act
    const error = await failure({ tokenUrl: closed.url });

    // Assess
    expect(error).toBeInstanceOf(TokenEndpointUnavailable);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('fails retryably when the connection is reset mid-body', async () => {
    server.script((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      response.write('{"access_token":"partial');
      response.socket?.destroy();
    });
    const error = await failure();
    expect(error).toBeInstanceOf(TokenEndpointUnavailable);
  });

  it.each([
    ['an HTML page', raw(200, '<html>login</html>', 'text/html'), 'not JSON (text/html)'],
    ['an empty body', raw(200, ''), 'response body is empty'],
  ])('rejects a 2xx with %s', async (_case, answer, problem) => {
    server.script(answer);
    const error = await failure();
    expect(error).toBeInstanceOf(TokenResponseInvalid);
    expect(error.message).toContain(problem);
  });

  it.each([
    ['declared', raw(200, 'x'.repeat(5_000))],
    [
      'streamed without a length',
      (async (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 20; i++) response.write('x'.repeat(200));
        response.end();
      }) as Parameters<ScriptedHttpServer['script']>[0],
    ],
  ])('rejects a body over the cap (%s)', async (_case, answer) => {
    server.script(answer);
    const error = await failure();
    expect(error).toBeInstanceOf(TokenResponseInvalid);
    expect(error.message).toContain('larger than 1024 bytes');
  });
});
