import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../support/jwt-check.js';
import { type OAuthClient, type OAuthServer, startOAuthServer } from '../support/oauth-server.js';

/** A client-credentials token request as the broker sends it: nothing but grant_type, credentials and scope. */
async function requestToken(
  server: OAuthServer,
  client: OAuthClient,
  options: { secret?: string; scope?: string; basic?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const secret = options.secret ?? client.clientSecret;
  const basic = options.basic ?? client.tokenEndpointAuthMethod === 'client_secret_basic';
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    // RFC 6749 section 2.3.1: form-encode both parts before base64.
    const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', secret);
  }
  if (options.scope !== undefined) form.set('scope', options.scope);
  const response = await fetch(server.tokenUrl, { method: 'POST', headers, body: form });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function clientOf(server: OAuthServer, clientId: string): OAuthClient {
  const client = server.clients.find((candidate) => candidate.clientId === clientId);
  if (!client) throw new Error(`no client ${clientId}`);
  return client;
}

describe('Function: startOAuthServer', () => {
  describe('opaque tokens (default)', () => {
    let server: OAuthServer;

    beforeAll(async () => {
      server = await startOAuthServer({
        scopes: ['a55/read'],
        clients: [
          { clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' },
          {
            clientId: 'broker-basic',
            tokenEndpointAuthMethod: 'client_secret_basic',
            clientSecret: 'p+ss/w=rd:% ~x',
          },
          { clientId: 'short-lived', accessTokenTtl: 1 },
        ],
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('issues a Bearer token to a client_secret_post client', async () => {
      // Act
      const { status, body } = await requestToken(server, clientOf(server, 'broker-post'));

      // Assess
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(body.access_token).toEqual(expect.any(String));
      expect(String(body.access_token).split('.')).toHaveLength(1);
    });

    it('issues a token to a client_secret_basic client whose secret needs form-encoding (RFC 6749 VSCHARs)', async () => {
      // Act
      const { status, body } = await requestToken(server, clientOf(server, 'broker-basic'));

      // Assess
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
      expect(server.tokenRequests.at(-1)).toMatchObject({
        basicAuth: true,
        clientId: 'broker-basic',
        status: 200,
      });
    });

    it('grants a scope it knows', async () => {
      // Act
      const { body } = await requestToken(server, clientOf(server, 'broker-post'), { scope: 'a55/read' });

      // Assess
      expect(body.scope).toBe('a55/read');
    });

    it('rejects a wrong secret with 401 invalid_client', async () => {
      // Act
      const { status, body } = await requestToken(server, clientOf(server, 'broker-post'), {
        secret: 'wrong',
      });

      // Assess
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
    });

    it('introspects an issued token as active, with its client_id and exp', async () => {
      // Prepare
      const before = Math.floor(Date.now() / 1000);
      const { body } = await requestToken(server, clientOf(server, 'broker-post'));

      // Act
      const introspection = await server.introspect(String(body.access_token));

      // Assess
      expect(introspection).toMatchObject({ active: true, client_id: 'broker-post', iss: server.issuer });
      expect(introspection.exp).toBeGreaterThanOrEqual(before + 3600);
      expect(introspection.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
    });

    it('introspects an unknown token as inactive', async () => {
      // Act
      const introspection = await server.introspect('not-a-token-this-server-issued');

      // Assess
      expect(introspection).toEqual({ active: false });
    });

    it('applies a per-client TTL, and the token stops being active once it has expired', async () => {
      // Prepare
      const { body } = await requestToken(server, clientOf(server, 'short-lived'));
      expect(body.expires_in).toBe(1);

      // Act
      // Expiry has a one-second resolution (exp <= now): one second and a bit is always past it.
      await new Promise((resolve) => setTimeout(resolve, 1050));
      const introspection = await server.introspect(String(body.access_token));

      // Assess
      expect(introspection.active).toBe(false);
    });

    it('answers the next n token requests with the injected status, then recovers', async () => {
      // Prepare
      server.failNext(2, 503);
      server.failNext(1, { type: 'status', status: 429, retryAfter: 7 });
      const client = clientOf(server, 'broker-post');

      // Act
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await requestToken(server, client)).status);

      // Assess
      expect(statuses).toEqual([503, 503, 429, 200]);
      expect(server.tokenRequests.slice(-4).map((record) => record.fault)).toEqual([
        'status',
        'status',
        'status',
        undefined,
      ]);
    });

    it('sends Retry-After and a JSON OAuth error body with an injected status', async () => {
      // Prepare
      server.failNext(1, { type: 'status', status: 429, retryAfter: 7 });

      // Act
      const response = await fetch(server.tokenUrl, { method: 'POST', body: new URLSearchParams() });

      // Assess
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    });

    it('drops the connection for a reset fault', async () => {
      // Prepare
      server.failNext(1, { type: 'reset' });

      // Act
      const outcome = requestToken(server, clientOf(server, 'broker-post'));

      // Assess
      await expect(outcome).rejects.toThrow(/fetch failed/);
    });

    it('delays the answer for a delay fault, then answers normally', async () => {
      // Prepare
      server.failNext(1, { type: 'delay', ms: 300 });
      const started = performance.now();

      // Act
      const { status } = await requestToken(server, clientOf(server, 'broker-post'));

      // Assess
      expect(status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('never answers for a hang fault, so the client times out', async () => {
      // Prepare
      server.failNext(1, { type: 'hang' });

      // Act
      const outcome = fetch(server.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
        signal: AbortSignal.timeout(200),
      });

      // Assess
      await expect(outcome).rejects.toThrow(/timeout/i);
      expect(server.tokenRequests.at(-1)?.fault).toBe('hang');
      expect(server.tokenRequests.at(-1)?.status).toBeUndefined();
    });

    it('counts token requests, failed and injected ones included, and not other paths', async () => {
      // Prepare
      server.resetTokenRequests();
      const client = clientOf(server, 'broker-post');
      server.failNext(1, 500);

      // Act
      await requestToken(server, client);
      await requestToken(server, client);
      await requestToken(server, client, { secret: 'wrong' });
      await server.introspect('anything');
      await fetch(`${server.issuer}/.well-known/openid-configuration`);

      // Assess
      expect(server.tokenRequestCount).toBe(3);
      expect(server.tokenRequests.map((record) => record.status)).toEqual([500, 200, 401]);
      expect(server.tokenRequests[1]).toMatchObject({
        basicAuth: false,
        clientId: 'broker-post',
        grantType: 'client_credentials',
      });
    });
  });

  describe('Method: stop', () => {
    it('closes the server even while a request hangs', async () => {
      // Prepare
      const server = await startOAuthServer();
      server.failNext(1, { type: 'hang' });
      const hanging = fetch(server.tokenUrl, { method: 'POST', body: new URLSearchParams() });
      await expect.poll(() => server.tokenRequestCount).toBe(1);

      // Act
      await server.stop();

      // Assess
      await expect(hanging).rejects.toThrow(/fetch failed/);
      await expect(fetch(server.tokenUrl, { method: 'POST' })).rejects.toThrow(/fetch failed/);
    });
  });

  describe('JWT access tokens', () => {
    let server: OAuthServer;

    beforeAll(async () => {
      server = await startOAuthServer({
        accessTokenFormat: 'jwt',
        accessTokenTtl: 1800,
        scopes: ['a55/read'],
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('issues a JWT, without a resource parameter, whose exp matches the TTL', async () => {
      // Prepare
      const before = Math.floor(Date.now() / 1000);

      // Act
      const { status, body } = await requestToken(server, clientOf(server, 'broker-post'), {
        scope: 'a55/read',
      });

      // Assess
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, scope: 'a55/read' });
      const { header, payload } = decodeJwt(String(body.access_token));
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      expect(payload).toMatchObject({
        client_id: 'broker-post',
        iss: server.issuer,
        aud: 'https://api.a55.example',
      });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(1800);
      expect(payload.iat).toBeGreaterThanOrEqual(before);
    });

    it('issues JWTs to client_secret_basic clients too', async () => {
      // Act
      const { body } = await requestToken(server, clientOf(server, 'broker-basic'));

      // Assess
      expect(decodeJwt(String(body.access_token)).payload.client_id).toBe('broker-basic');
    });

    it('verifies its own JWTs as active and rejects a tampered one', async () => {
      // Prepare
      const { body } = await requestToken(server, clientOf(server, 'broker-post'));
      const jwt = String(body.access_token);
      const [header, , signature] = jwt.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...decodeJwt(jwt).payload, client_id: 'intruder' }),
      ).toString('base64url');

      // Act
      const genuine = await server.introspect(jwt);
      const tampered = await server.introspect(`${header}.${forged}.${signature}`);

      // Assess
      expect(genuine).toMatchObject({ active: true, client_id: 'broker-post' });
      expect(tampered).toEqual({ active: false });
    });

    it('uses a TTL changed at runtime for tokens issued afterwards', async () => {
      // Prepare
      server.setAccessTokenTtl(120);

      // Act
      const { body } = await requestToken(server, clientOf(server, 'broker-post'));

      // Assess
      expect(body.expires_in).toBe(120);
      const { payload } = decodeJwt(String(body.access_token));
      expect(Number(payload.exp) - Number(payload.iat)).toBe(120);
    });
  });
});
