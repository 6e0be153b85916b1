import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  A55_API_BASE_URL,
  A55ApiError,
  A55Client,
  A55RequestError,
  A55TimeoutError,
  ClientConfigError,
  rejectedTokenHash,
  TokenBrokerClient,
  UnknownCredential,
} from '../../../client/index.js';
import {
  json,
  raw,
  type ScriptedHttpServer,
  startScriptedHttpServer,
} from '../../fakes/scripted-http-server.js';
import { brokerToken, CANARY, closedPort, ScriptedTransport } from './fakes.js';

/** Every way an error may end up in a log: message, stack, fields, cause. */
function everythingIn(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
}

describe('Class: A55Client', () => {
  let server: ScriptedHttpServer;
  let baseUrl: string;
  let transport: ScriptedTransport;
  let broker: TokenBrokerClient;

  beforeAll(async () => {
    server = await startScriptedHttpServer();
    baseUrl = `${new URL(server.url).origin}/api/v1`;
  });

  beforeEach(() => {
    server.requests.length = 0;
    transport = new ScriptedTransport(brokerToken(CANARY));
    broker = new TokenBrokerClient({ transport });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe('Method: constructor', () => {
    it('defaults to the production API', () => {
      expect(A55_API_BASE_URL).toBe('https://core-manager.a55.tech/api/v1');
      expect(() => new A55Client({ broker })).not.toThrow();
    });

    it.each([
      ['http://core-manager.a55.tech/api/v1'],
      ['nonsense'],
      // A DNS name that merely starts like a loopback address: the token would leave the host in clear.
      ['http://127.attacker.example/api/v1'],
    ])('refuses the base URL %s', (url) => {
      expect(() => new A55Client({ broker, baseUrl: url })).toThrow(ClientConfigError);
    });
  });

  describe('Method: request', () => {
    it('sends the Bearer token, JSON headers, query and body below the base path, and parses the answer', async () => {
      // Prepare
      server.script(json(201, { id: 'charge-1' }));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      const answer = await a55.request<{ id: string }>('POST', '/charges', {
        query: { page: 2, tags: ['a', 'b'], skipped: undefined },
        body: { amount: 1000 },
        headers: { 'x-idempotency-key': 'k1', Authorization: 'Bearer caller-supplied' },
      });

      // Assess
      expect(answer).toEqual({ id: 'charge-1' });
      const [request] = server.requests;
      expect(request).toMatchObject({
        method: 'POST',
        url: '/api/v1/charges?page=2&tags=a&tags=b',
        body: '{"amount":1000}',
      });
      expect(request?.headers).toMatchObject({
        authorization: `Bearer ${CANARY}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'x-idempotency-key': 'k1',
      });
    });

    it('keeps every path below the base URL', async () => {
      server.script(json(200, {}));
      const a55 = new A55Client({ broker, baseUrl: `${baseUrl}/` });
      await a55.request('GET', 'wallets/w1');
      await a55.request('GET', '//127.0.0.2/steal');
      expect(server.requests.map((request) => request.url)).toEqual([
        '/api/v1/wallets/w1',
        '/api/v1/127.0.0.2/steal',
      ]);
    });

    it('returns undefined for an empty answer', async () => {
      server.script((_request, response) => {
        response.writeHead(204);
        response.end();
      });
      await expect(
        new A55Client({ broker, baseUrl }).request('DELETE', '/wallets/w1'),
      ).resolves.toBeUndefined();
    });

    it('drops the token on 401, gets a fresh one from the broker and retries once', async () => {
      // Prepare
      transport.script(brokerToken('revoked-token'), brokerToken('fresh-token'));
      server.script(json(401, { message: 'Unauthorized' }), json(200, [{ id: 'w1' }]));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      const wallets = await a55.request('GET', '/wallets');

      // Assess
      expect(wallets).toEqual([{ id: 'w1' }]);
      expect(server.requests.map((request) => request.headers.authorization)).toEqual([
        'Bearer revoked-token',
        'Bearer fresh-token',
      ]);
      expect(transport.requests).toHaveLength(2);
    });

    it('throws A55ApiError 401 when the fresh token is refused too, and retries no more', async () => {
      // Prepare
      transport.script(brokerToken(CANARY), brokerToken(`${CANARY}-2`));
      server.script(json(401, { message: 'Unauthorized' }));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      const error = await a55.request('GET', '/wallets').catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error).toMatchObject({ status: 401, method: 'GET', path: '/api/v1/wallets' });
      expect((error as Error).message).toContain('a fresh token was rejected too');
      expect(server.requests).toHaveLength(2);
    });

    it('says which token was rejected when it asks for another: the SHA-256 prefix, never the token', async () => {
      // Prepare
      transport.script(brokerToken('revoked-token'), brokerToken('fresh-token'));
      server.script(json(401, { message: 'Unauthorized' }), json(200, []));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      await a55.request('GET', '/wallets');

      // Assess
      expect(transport.requests.map((request) => request.rejectedTokenHash)).toEqual([
        undefined,
        rejectedTokenHash('revoked-token'),
      ]);
      expect(JSON.stringify(transport.requests)).not.toContain('revoked-token');
    });

    it('never retries with the same token: when the broker has no other, it throws A55ApiError 401 saying so', async () => {
      // Prepare: the broker answers with the rejected token again.
      transport.script(brokerToken(CANARY));
      server.script(json(401, { message: 'Unauthorized' }), json(200, []));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      const error = await a55.request('GET', '/wallets').catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error).toMatchObject({ status: 401, path: '/api/v1/wallets' });
      expect((error as Error).message).toContain('the broker had no other token');
      expect(server.requests).toHaveLength(1);
      expect(transport.requests).toHaveLength(2);
      expect(everythingIn(error)).not.toContain(CANARY);
    });

    it('throws A55ApiError with the status and the body cut short, the echoed token redacted', async () => {
      // Prepare
      const echo = JSON.stringify({
        error: 'invalid amount',
        header: `Bearer ${CANARY}`,
        padding: 'x'.repeat(10_000),
      });
      server.script(raw(422, echo, 'application/json'));
      const a55 = new A55Client({ broker, baseUrl });

      // Act
      const error = await a55
        .request('POST', '/charges', { query: { customer: 'c-1' }, body: { amount: -1 } })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(A55ApiError);
      const apiError = error as A55ApiError;
      expect(apiError.status).toBe(422);
      expect(apiError.body).toContain('invalid amount');
      expect(apiError.body).toContain('Bearer [token redacted]');
      expect(apiError.body.length).toBe(4_096);
      expect(apiError.message).not.toContain('customer=c-1');
      expect(everythingIn(error)).not.toContain(CANARY);
    });

    it('throws A55ApiError for a 2xx body that is not JSON', async () => {
      server.script(raw(200, '<html>maintenance</html>', 'text/html'));
      const error = await new A55Client({ broker, baseUrl })
        .request('GET', '/wallets')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error).toMatchObject({ status: 200, body: '<html>maintenance</html>' });
    });

    it('does not follow redirects, so the token never leaves the API host', async () => {
      server.script((_request, response) => {
        response.writeHead(307, { location: 'http://127.0.0.2:9/collect' });
        response.end();
      });
      const error = await new A55Client({ broker, baseUrl })
        .request('GET', '/wallets')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'A55ApiError', status: 307 });
      expect(server.requests).toHaveLength(1);
    });

    it('throws A55TimeoutError when the API does not answer in time', async () => {
      // Prepare
      server.script(async (_request, response) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        response.end('{}');
      });
      const a55 = new A55Client({ broker, baseUrl, timeoutMs: 100 });

      // Act
      const error = await a55.request('GET', '/wallets').catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(A55TimeoutError);
      expect(error).toMatchObject({ timeoutMs: 100, path: '/api/v1/wallets' });
    });

    it("throws the caller's own reason when the caller aborts", async () => {
      // Prepare
      server.script(async (_request, response) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        response.end('{}');
      });
      const controller = new AbortController();
      const reason = new Error('request cancelled by caller');

      // Act
      const pending = new A55Client({ broker, baseUrl }).request('GET', '/wallets', {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(reason), 50);

      // Assess
      await expect(pending).rejects.toBe(reason);
    });

    it('throws A55RequestError naming the socket error when the API cannot be reached', async () => {
      const a55 = new A55Client({ broker, baseUrl: `http://127.0.0.1:${await closedPort()}/api/v1` });
      const error = await a55.request('GET', '/wallets').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(A55RequestError);
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect(everythingIn(error)).not.toContain(CANARY);
    });

    it('passes a broker error through and never calls the API without a token', async () => {
      transport.script(new UnknownCredential("unknown credential 'staging'", { broker: 'scripted broker' }));
      await expect(new A55Client({ broker, baseUrl }).request('GET', '/wallets')).rejects.toBeInstanceOf(
        UnknownCredential,
      );
      expect(server.requests).toHaveLength(0);
    });
  });
});
