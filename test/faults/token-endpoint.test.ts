/**
 * Token endpoint fault matrix: one row per way a token endpoint can fail, run through
 * the real token endpoint client against a real HTTP server on 127.0.0.1, the real
 * DynamoDB store on DynamoDB Local and the real reader. Rows that must not store check
 * that the token stored before is still the one served, unchanged.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefresherCredentialSet } from '../../contract/index.js';
import { fakeJwt } from '../fakes/in-memory.js';
import {
  json,
  raw,
  type ScriptedAnswer,
  type ScriptedHttpServer,
  startScriptedHttpServer,
} from '../fakes/scripted-http-server.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { CANARY_SECRET, CANARY_TOKEN, canaryCredentials, exposedText, FaultHarness } from './harness.js';

const MAX_ATTEMPTS = 4;
const ok = (extra: Record<string, unknown> = {}) =>
  json(200, { access_token: 'fresh-token', token_type: 'Bearer', expires_in: 3600, ...extra });
/** A 200 whose body is `fields`, with the canary as the token unless the row replaces it. */
const badToken = (fields: Record<string, unknown>) =>
  json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600, ...fields });

interface Row {
  readonly name: string;
  readonly answers: ScriptedAnswer[];
  readonly stored: boolean;
  /** Error name when not stored. */
  readonly error?: string;
  readonly attempts: number;
  /** Fragment of the error message the operator needs. */
  readonly says?: string;
  readonly timeoutMs?: number;
  /** Extra checks on the outcome. */
  readonly check?: (outcome: Awaited<ReturnType<FaultHarness['refresh']>>, sentAt: number) => void;
}

const slowHeaders: ScriptedAnswer = async (_request, response) => {
  await sleep(800);
  if (!response.destroyed) response.end();
};
const slowBody: ScriptedAnswer = async (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"access_token":"');
  await sleep(800);
  if (!response.destroyed) response.end('x","token_type":"Bearer","expires_in":3600}');
};
const resetMidBody: ScriptedAnswer = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
  response.write(`{"access_token":"${CANARY_TOKEN}`);
  setImmediate(() => response.socket?.destroy());
};
/** Bytes a streaming answer managed to write before the client hung up. */
let streamedBytes = 0;
const endlessBody: ScriptedAnswer = async (_request, response) => {
  streamedBytes = 0;
  response.writeHead(200, { 'content-type': 'application/json' });
  const chunk = 'x'.repeat(16 * 1024);
  // 16 MiB unless the client stops reading: it must give up after 64 KiB.
  for (let i = 0; i < 1024 && !response.destroyed; i++) {
    if (!response.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
    streamedBytes += chunk.length;
  }
  if (!response.destroyed) response.end();
};

const ROWS: Row[] = [
  // Refusals: never retried, never stored.
  {
    name: '400 invalid_request',
    answers: [json(400, { error: 'invalid_request' })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'invalid_request',
  },
  {
    name: '400 unsupported_grant_type',
    answers: [json(400, { error: 'unsupported_grant_type' })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'does not support client_credentials',
  },
  {
    name: '401 invalid_client with WWW-Authenticate',
    answers: [json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'invalid_client',
  },
  {
    name: '401 invalid_client without WWW-Authenticate',
    answers: [json(401, { error: 'invalid_client' })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'paste the current pair',
  },
  {
    name: '403',
    answers: [raw(403, 'Forbidden')],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'HTTP 403',
  },
  {
    name: '404',
    answers: [raw(404, 'Not Found')],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'not a token endpoint',
  },
  {
    name: '302 redirect (not followed: it would resend the secret)',
    answers: [
      (_q, s) => {
        s.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
        s.end();
      },
    ],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    says: 'redirected',
  },
  // Throttling and server errors: retried with backoff, honouring Retry-After.
  {
    name: '429 Retry-After in seconds, then 200',
    answers: [json(429, { error: 'slow_down' }, { 'retry-after': '2' }), ok()],
    stored: true,
    attempts: 2,
    check: (o) => expect(o.sleeps[0]).toBeGreaterThanOrEqual(2_000),
  },
  {
    name: '429 Retry-After as an HTTP date, then 200',
    answers: [
      (q, s) => json(429, {}, { 'retry-after': new Date(Date.now() + 3_000).toUTCString() })(q, s),
      ok(),
    ],
    stored: true,
    attempts: 2,
    check: (o) => expect(o.sleeps[0]).toBeGreaterThanOrEqual(2_000),
  },
  {
    name: '429 without Retry-After, every time',
    answers: [json(429, { error: 'slow_down' })],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
    says: 'HTTP 429',
  },
  {
    name: '429 with an absurd Retry-After (not waited for)',
    answers: [json(429, {}, { 'retry-after': '86400' })],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: 1,
    says: 'Retry-After 86400 s',
  },
  {
    name: '500 every time',
    answers: [raw(500, 'oops')],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
    says: 'HTTP 500',
  },
  {
    name: '502 every time',
    answers: [raw(502, '<html>Bad Gateway</html>', 'text/html')],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
  },
  {
    name: '503 every time',
    answers: [json(503, { error: 'temporarily_unavailable' })],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
  },
  {
    name: '504 every time',
    answers: [raw(504, '')],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
  },
  {
    name: '503 with a 70 KiB error page: retried by its status, not "invalid response"',
    answers: [raw(503, `<html>${'x'.repeat(70_000)}</html>`, 'text/html')],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
    says: 'HTTP 503',
  },
  {
    name: '429 with a 70 KiB body and Retry-After, then 200',
    answers: [
      (_q, s) => {
        s.writeHead(429, { 'content-type': 'text/html', 'retry-after': '1' });
        s.end('x'.repeat(70_000));
      },
      ok(),
    ],
    stored: true,
    attempts: 2,
    check: (o) => expect(o.sleeps[0]).toBeGreaterThanOrEqual(1_000),
  },
  {
    name: '400 with an unknown error code: passed on as other, never echoed',
    answers: [json(400, { error: `echo-${CANARY_SECRET}` })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    check: (o) => expect(o.error).toMatchObject({ oauthError: 'other' }),
  },
  {
    name: '400 with error "constructor": no inherited property picked as advice',
    answers: [json(400, { error: 'constructor' })],
    stored: false,
    error: 'TokenRequestRejected',
    attempts: 1,
    check: (o) => expect(o.error?.message).not.toMatch(/native code|function Object/),
  },
  {
    name: '503 twice, then 200',
    answers: [raw(503, ''), raw(503, ''), ok()],
    stored: true,
    attempts: 3,
    check: (o) => expect(o.sleeps).toEqual([250, 500]),
  },
  // Network faults.
  {
    name: 'connection reset mid-body',
    answers: [resetMidBody],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
  },
  {
    name: 'headers slower than the timeout',
    answers: [slowHeaders],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
    timeoutMs: 200,
    says: 'no answer within 200 ms',
  },
  {
    name: 'body slower than the timeout',
    answers: [slowBody],
    stored: false,
    error: 'TokenEndpointUnavailable',
    attempts: MAX_ATTEMPTS,
    timeoutMs: 200,
    says: 'while reading the body',
  },
  {
    name: 'a timeout once, then 200',
    answers: [slowHeaders, ok()],
    stored: true,
    attempts: 2,
    timeoutMs: 200,
  },
  // Malformed 200s: an error, never stored, never retried.
  {
    name: '200 with an HTML body',
    answers: [raw(200, '<html>sign in</html>', 'text/html')],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'not JSON (text/html)',
  },
  {
    name: '200 with an empty body',
    answers: [raw(200, '')],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'empty',
  },
  {
    name: '200 with a JSON array',
    answers: [json(200, [CANARY_TOKEN])],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'body is an array',
  },
  {
    name: '200 with JSON null',
    answers: [raw(200, 'null', 'application/json')],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'body is null',
  },
  {
    name: 'access_token missing',
    answers: [json(200, { token_type: 'Bearer', expires_in: 3600 })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'access_token is missing',
  },
  {
    name: 'access_token empty',
    answers: [badToken({ access_token: '' })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'access_token is empty',
  },
  {
    name: 'access_token not a string',
    answers: [badToken({ access_token: { value: CANARY_TOKEN } })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'access_token is an object',
  },
  {
    name: 'access_token with a newline (header injection)',
    answers: [badToken({ access_token: `${CANARY_TOKEN}\r\nX-Evil: 1` })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'characters not allowed',
  },
  {
    name: 'expires_in missing',
    answers: [badToken({ expires_in: undefined })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'expires_in is missing',
  },
  {
    name: 'expires_in 0',
    answers: [badToken({ expires_in: 0 })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'expires_in is 0',
  },
  {
    name: 'expires_in negative',
    answers: [badToken({ expires_in: -3600 })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'expires_in is -3600',
  },
  {
    name: 'expires_in fractional',
    answers: [badToken({ expires_in: 3599.5 })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'expires_in is 3599.5',
  },
  {
    name: 'expires_in the string "3600"',
    answers: [badToken({ expires_in: '3600' })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'expires_in is a string',
  },
  {
    name: 'expires_in absurdly large',
    answers: [badToken({ expires_in: 1e15 })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'more than the',
  },
  {
    name: 'token_type missing',
    answers: [badToken({ token_type: undefined })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'token_type is missing',
  },
  {
    name: 'token_type "mac"',
    answers: [badToken({ token_type: 'mac' })],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'token_type is not Bearer',
    check: (o) => expect(o.error?.message).not.toContain("'mac'"),
  },
  {
    name: 'body over 64 KiB with a Content-Length',
    answers: [raw(200, `{"access_token":"${'x'.repeat(70_000)}"}`, 'application/json')],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'larger than 65536 bytes',
  },
  {
    name: 'body over 64 KiB streamed without a length (not buffered)',
    answers: [endlessBody],
    stored: false,
    error: 'TokenResponseInvalid',
    attempts: 1,
    says: 'larger than 65536 bytes',
    check: () => expect(streamedBytes).toBeLessThan(8 * 1024 * 1024),
  },
  // Valid answers that need care.
  {
    name: 'token_type "bearer" (lowercase) is accepted',
    answers: [ok({ token_type: 'bearer' })],
    stored: true,
    attempts: 1,
    check: (o) => expect(o.stored?.tokenType).toBe('Bearer'),
  },
  {
    name: 'a JWT whose exp is earlier than expires_in implies: the earlier wins',
    answers: [(q, s) => ok({ access_token: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 1_200 }) })(q, s)],
    stored: true,
    attempts: 1,
    check: (o, sentAt) => {
      expect(o.stored?.expiresAt).toBeLessThanOrEqual(Math.floor(sentAt / 1000) + 1_201);
      expect(o.stored?.expiresAt).toBeGreaterThanOrEqual(Math.floor(sentAt / 1000) + 1_199);
    },
  },
  {
    name: 'expires_in counts from the send time, not the arrival',
    answers: [
      async (q, s) => {
        await sleep(1_100);
        ok()(q, s);
      },
    ],
    stored: true,
    attempts: 1,
    check: (o, sentAt) => expect(o.stored?.expiresAt).toBe(Math.floor(sentAt / 1000) + 3600),
  },
];

describe('Faults: token endpoint', () => {
  const dynamo = useDynamoDbLocal();
  let server: ScriptedHttpServer;
  let oauth: OAuthServer;
  let harness: FaultHarness;

  beforeAll(async () => {
    [server, oauth] = await Promise.all([
      startScriptedHttpServer(),
      startOAuthServer({
        clients: [{ clientId: 'scoped', scope: 'a55/read' }],
        scopes: ['a55/read', 'a55/write'],
      }),
    ]);
    harness = new FaultHarness(dynamo.client, await dynamo.createTable());
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), oauth?.stop()]);
  });

  const config = (name: string, tokenUrl: string): RefresherCredentialSet => ({
    name,
    tokenUrl,
    clientAuth: 'client_secret_post',
    secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55-faults',
  });

  it.each(ROWS.map((row, index) => [row.name, row, index] as const))('%s', async (_name, row, index) => {
    // Prepare
    const credential = `row-${index}`;
    const previous = await harness.seedPrevious(credential);
    server.script(...row.answers);
    const requestsBefore = server.requests.length;
    const sentAt = Date.now();

    // Act
    const outcome = await harness.refresh(config(credential, server.url), {
      ...(row.timeoutMs ? { requestTimeoutMs: row.timeoutMs } : {}),
    });

    // Assess
    expect(outcome.attempts).toBe(row.attempts);
    expect(server.requests.length - requestsBefore).toBe(row.attempts);
    if (row.stored) {
      expect(outcome.error).toBeUndefined();
      expect(outcome.result?.outcome).toBe('written');
      expect(outcome.stored?.accessToken).not.toBe(previous.accessToken);
      expect(outcome.served).toMatchObject({ accessToken: outcome.stored?.accessToken });
    } else {
      expect(outcome.error?.name).toBe(row.error);
      expect(outcome.error?.message).toContain(`credential '${credential}'`);
      if (row.says) expect(outcome.error?.message).toContain(row.says);
      expect(outcome.stored).toEqual(previous);
      expect(outcome.served).toMatchObject({ accessToken: previous.accessToken });
    }
    const exposed = exposedText(outcome.error);
    expect(exposed).not.toContain(CANARY_SECRET);
    expect(exposed).not.toContain(CANARY_TOKEN);
    row.check?.(outcome, sentAt);
  });

  it('connection refused: retried, then an error, previous token kept', async () => {
    const closed = await startScriptedHttpServer();
    await closed.stop();
    const previous = await harness.seedPrevious('refused');
    const outcome = await harness.refresh(config('refused', closed.url));
    expect(outcome.attempts).toBe(MAX_ATTEMPTS);
    expect(outcome.error).toMatchObject({
      name: 'TokenEndpointUnavailable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(outcome.stored).toEqual(previous);
  });

  describe('against a real OAuth 2.0 server (oidc-provider)', () => {
    const scoped = (scope?: string): RefresherCredentialSet => ({
      ...config('oidc', oauth.tokenUrl),
      ...(scope ? { scope } : {}),
    });
    const secretOf = () => oauth.clients[0]?.clientSecret as string;

    it('stores the token the server issued', async () => {
      const outcome = await harness.refresh(scoped('a55/read'), {
        credentials: canaryCredentials('scoped', secretOf()),
      });
      expect(outcome.result?.outcome).toBe('written');
      expect(await oauth.introspect(outcome.stored?.accessToken as string)).toMatchObject({
        active: true,
        client_id: 'scoped',
        scope: 'a55/read',
      });
    });

    it('a wrong secret: 401 invalid_client, not retried, previous token kept', async () => {
      const previous = await harness.seedPrevious('oidc-wrong');
      oauth.resetTokenRequests();
      const outcome = await harness.refresh(
        { ...scoped(), name: 'oidc-wrong' },
        { credentials: canaryCredentials('scoped') },
      );
      expect(outcome.error).toMatchObject({
        name: 'TokenRequestRejected',
        oauthError: 'invalid_client',
        httpStatus: 401,
      });
      expect(oauth.tokenRequestCount).toBe(1);
      expect(outcome.stored).toEqual(previous);
      expect(exposedText(outcome.error)).not.toContain(CANARY_SECRET);
    });

    it('a scope the client may not have: invalid_scope, not retried', async () => {
      const previous = await harness.seedPrevious('oidc-scope');
      const outcome = await harness.refresh(
        { ...scoped('a55/write'), name: 'oidc-scope' },
        { credentials: canaryCredentials('scoped', secretOf()) },
      );
      expect(outcome.error).toMatchObject({ name: 'TokenRequestRejected', oauthError: 'invalid_scope' });
      expect(outcome.error?.message).toContain('fix scope in the configuration');
      expect(outcome.stored).toEqual(previous);
    });

    it('an outage (503 twice) then recovery: stored after retries', async () => {
      oauth.resetTokenRequests();
      oauth.failNext(2, 503);
      const outcome = await harness.refresh(
        { ...scoped(), name: 'oidc-outage' },
        { credentials: canaryCredentials('scoped', secretOf()) },
      );
      expect(outcome.result).toMatchObject({ outcome: 'written', attempts: 3 });
      expect(oauth.tokenRequestCount).toBe(3);
      expect((await oauth.introspect(outcome.stored?.accessToken as string)).active).toBe(true);
    });

    it('a hung server: each attempt times out, the refresh ends before its deadline', async () => {
      const previous = await harness.seedPrevious('oidc-hang');
      oauth.failNext(10, { type: 'hang' });
      const started = Date.now();
      const outcome = await harness.refresh(
        { ...scoped(), name: 'oidc-hang' },
        {
          credentials: canaryCredentials('scoped', secretOf()),
          requestTimeoutMs: 300,
          deadlineMs: Date.now() + 2_000,
        },
      );
      oauth.resetTokenRequests();
      expect(outcome.error?.name).toBe('TokenEndpointUnavailable');
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(outcome.stored).toEqual(previous);
    });
  });
});
