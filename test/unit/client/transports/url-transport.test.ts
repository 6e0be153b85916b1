import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BadRequest,
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  InternalError,
  MethodNotAllowed,
  NotFound,
  TokenUnavailable,
  UnknownCredential,
  UrlTransport,
} from '../../../../client/index.js';
import {
  json,
  raw,
  type ScriptedHttpServer,
  startScriptedHttpServer,
} from '../../../fakes/scripted-http-server.js';
import { brokerToken, CANARY, closedPort } from '../fakes.js';

const STATIC_CREDENTIALS = {
  accessKeyId: 'AKIDTEST',
  secretAccessKey: 'secret-test',
  sessionToken: 'session-test',
};

/** A fetch that records what it was asked and answers with the reader's success body. */
function recordingFetch() {
  return vi.fn(async (_url: Parameters<typeof fetch>[0], _init?: RequestInit) =>
    Response.json(brokerToken(CANARY)),
  );
}

/** The headers of the first call to a recording fetch. */
function sentHeaders(fetch: ReturnType<typeof recordingFetch>): Record<string, string> {
  return (fetch.mock.calls[0]?.[1]?.headers ?? {}) as Record<string, string>;
}

describe('Class: UrlTransport', () => {
  let server: ScriptedHttpServer;
  let origin: string;

  beforeAll(async () => {
    server = await startScriptedHttpServer();
    origin = new URL(server.url).origin;
  });

  afterEach(() => {
    server.requests.length = 0;
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe('Method: constructor', () => {
    it.each([
      ['http://127.0.0.1:8787', 'http://127.0.0.1:8787/token'],
      ['http://localhost:8787/', 'http://localhost:8787/token'],
      ['https://abc123.lambda-url.us-east-1.on.aws/', 'https://abc123.lambda-url.us-east-1.on.aws/token'],
      [
        'https://abc123.lambda-url.us-east-1.on.aws/token',
        'https://abc123.lambda-url.us-east-1.on.aws/token',
      ],
      ['http://127.0.0.1:8787/broker/token/', 'http://127.0.0.1:8787/broker/token'],
    ])('calls %s at %s', async (url, expected) => {
      // Prepare
      const fetch = recordingFetch();
      const transport = new UrlTransport({ url, fetch, credentials: STATIC_CREDENTIALS });

      // Act
      await transport.fetchToken({ minValiditySeconds: 300 });

      // Assess
      expect(String(fetch.mock.calls[0]?.[0])).toBe(`${expected}?minValiditySeconds=300`);
    });

    it('signs with the region of a Function URL host, whatever AWS_REGION says', async () => {
      // Prepare
      vi.stubEnv('AWS_REGION', 'us-east-1');
      const fetch = recordingFetch();
      const transport = new UrlTransport({
        url: 'https://abc123.lambda-url.eu-west-1.on.aws/',
        fetch,
        credentials: STATIC_CREDENTIALS,
      });

      // Act
      await transport.fetchToken({ credential: 'production', minValiditySeconds: 300 });

      // Assess
      const headers = sentHeaders(fetch);
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
      );
      expect(headers['x-amz-security-token']).toBe('session-test');
      expect(headers).not.toHaveProperty('host');
    });

    it('signs for the region option first, then AWS_REGION for hosts that name none', async () => {
      // Prepare
      vi.stubEnv('AWS_REGION', 'sa-east-1');
      const explicit = recordingFetch();
      const fromEnv = recordingFetch();

      // Act
      await new UrlTransport({
        url: 'https://abc123.lambda-url.eu-west-1.on.aws/',
        region: 'us-west-2',
        fetch: explicit,
        credentials: STATIC_CREDENTIALS,
      }).fetchToken({ minValiditySeconds: 300 });
      await new UrlTransport({
        url: 'https://broker.example.com/',
        fetch: fromEnv,
        credentials: STATIC_CREDENTIALS,
      }).fetchToken({ minValiditySeconds: 300 });

      // Assess
      expect(sentHeaders(explicit).authorization).toContain('/us-west-2/lambda/aws4_request');
      expect(sentHeaders(fromEnv).authorization).toContain('/sa-east-1/lambda/aws4_request');
    });

    it('throws a ClientConfigError when there is no region to sign for', () => {
      vi.stubEnv('AWS_REGION', '');
      vi.stubEnv('AWS_DEFAULT_REGION', '');
      expect(() => new UrlTransport({ url: 'https://broker.example.com/' })).toThrow(ClientConfigError);
    });

    it('signs plain http when told to, and leaves https unsigned when told to', async () => {
      // Prepare
      const signedFetch = recordingFetch();
      const unsignedFetch = recordingFetch();

      // Act
      await new UrlTransport({
        url: 'http://127.0.0.1:8787',
        signing: 'sigv4',
        fetch: signedFetch,
        credentials: STATIC_CREDENTIALS,
      }).fetchToken({ minValiditySeconds: 300 });
      await new UrlTransport({
        url: 'https://abc123.lambda-url.us-east-1.on.aws/',
        signing: 'none',
        fetch: unsignedFetch,
      }).fetchToken({ minValiditySeconds: 300 });

      // Assess
      expect(sentHeaders(signedFetch)).toHaveProperty('authorization');
      expect(sentHeaders(unsignedFetch)).not.toHaveProperty('authorization');
    });
  });

  describe('Method: fetchToken', () => {
    it('sends GET /token with the credential and minValiditySeconds, and returns the view', async () => {
      // Prepare
      server.script(json(200, brokerToken(CANARY, 3000, 'production'), { 'cache-control': 'no-store' }));
      const transport = new UrlTransport({ url: origin });

      // Act
      const token = await transport.fetchToken({ credential: 'production', minValiditySeconds: 60 });

      // Assess
      expect(token).toMatchObject({ accessToken: CANARY, credential: 'production' });
      expect(server.requests).toMatchObject([
        { method: 'GET', url: '/token?credential=production&minValiditySeconds=60' },
      ]);
      expect(server.requests[0]?.headers.authorization).toBeUndefined();
    });

    it('sends rejectedTokenHash as a query parameter when the request says "not this token"', async () => {
      server.script(json(200, brokerToken(CANARY)));
      await new UrlTransport({ url: origin }).fetchToken({
        credential: 'production',
        minValiditySeconds: 60,
        rejectedTokenHash: '0123456789abcdef',
      });
      expect(server.requests[0]?.url).toBe(
        '/token?credential=production&minValiditySeconds=60&rejectedTokenHash=0123456789abcdef',
      );
    });

    it.each([
      [400, 'BadRequest', BadRequest],
      [404, 'UnknownCredential', UnknownCredential],
      [404, 'NotFound', NotFound],
      [405, 'MethodNotAllowed', MethodNotAllowed],
      [500, 'InternalError', InternalError],
    ])('turns HTTP %i {"error": "%s"} into the typed error of that name', async (status, name, type) => {
      // Prepare
      server.script(json(status, { error: name, message: 'what went wrong' }));

      // Act
      const error = await new UrlTransport({ url: origin })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ name, status, message: `what went wrong (broker: ${origin})` });
    });

    it('turns 503 TokenUnavailable into TokenUnavailable with its Retry-After', async () => {
      // Prepare
      server.script(
        json(503, { error: 'TokenUnavailable', message: 'no token yet' }, { 'retry-after': '5' }),
      );

      // Act
      const error = await new UrlTransport({ url: origin })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({ status: 503, retryAfterSeconds: 5 });
    });

    it('turns a 403 without a reader body (IAM refused the signature) into BrokerAccessDenied', async () => {
      server.script(json(403, { Message: 'Forbidden' }));
      const error = await new UrlTransport({ url: origin })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerAccessDenied);
      expect((error as Error).message).toMatch(/lambda:InvokeFunctionUrl and lambda:InvokeFunction/);
    });

    it.each([
      [
        'a 502 from the Lambda front end',
        raw(502, 'Internal Server Error'),
        /HTTP 502: Internal Server Error/,
      ],
      [
        'a redirect, which is not followed',
        (_request: unknown, response: import('node:http').ServerResponse) => {
          response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
          response.end();
        },
        /HTTP 302/,
      ],
    ])('turns %s into BrokerUnavailable', async (_case, answer, message) => {
      server.script(answer);
      const error = await new UrlTransport({ url: origin })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect((error as Error).message).toMatch(message);
      expect(server.requests).toHaveLength(1);
    });

    it('gives up on a reader that does not answer within timeoutMs', async () => {
      // Prepare
      server.script(async (_request, response) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        response.end();
      });

      // Act
      const error = await new UrlTransport({ url: origin, timeoutMs: 100 })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect((error as Error).message).toContain('no answer within 100 ms');
    });

    it('turns a refused connection into BrokerUnavailable that names the socket error', async () => {
      const error = await new UrlTransport({ url: `http://127.0.0.1:${await closedPort()}` })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect((error as Error).message).toContain('ECONNREFUSED');
    });

    it('refuses a 200 whose body is not a token view, without quoting it', async () => {
      server.script(raw(200, `{"accessToken":"${CANARY}"`, 'application/json'));
      const error = await new UrlTransport({ url: origin })
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerResponseInvalid);
      expect(inspect(error, { depth: 5 })).not.toContain(CANARY);
    });
  });
});
