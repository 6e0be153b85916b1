/**
 * `npm start` end to end: the entry point runs as a child process exactly as npm runs it
 * (`node --import tsx bin/local-broker.ts`), on free ports, with --json output parsed line
 * by line. Tokens are read over plain HTTP and through the client library; SIGTERM must
 * leave no java process and no listener behind.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  A55Client,
  TokenBrokerClient,
  type TokenTransport,
  TokenUnavailable,
  UrlTransport,
} from '../../client/index.js';
import { createLocalDynamoDbClient } from '../../tools/dynamodb-local-client.js';
import { type OAuthClient, type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { startA55StandIn, WALLETS } from './client/a55-stand-in.js';
import {
  type BrokerRun,
  type Launch,
  type LogLine,
  rawExchange,
  rawGet,
  startBroker,
  stopAndCheck,
  withPort,
} from './local-broker-run.js';

describe('Integration: local broker (npm start)', () => {
  const runs: BrokerRun[] = [];
  const start = (args: readonly string[], env?: Record<string, string | undefined>, launch?: Launch) => {
    const run = startBroker(args, env, launch);
    runs.push(run);
    return run;
  };

  afterAll(async () => {
    // A failed test must not leave a broker running (its java dies with it: pdeathsig).
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });

  describe('Embedded token server, under sh -c as npm runs it', () => {
    let run: BrokerRun;
    let ready: LogLine;
    let url: string;

    beforeAll(async () => {
      run = start(['--port', '0', '--json'], {}, 'shell');
      ready = await run.waitFor((line) => line.event === 'ready');
      url = ready.readerUrl as string;
    });

    it('serves a token over HTTP within 15 s of starting, and prints neither token nor secret', async () => {
      // Act
      const refreshed = await run.waitFor((line) => line.event === 'refreshed');
      const firstTokenMs = Date.now() - run.startedAt;
      const response = await fetch(`${url}/token?credential=default`);
      const body = (await response.json()) as Record<string, unknown>;

      // Assess
      expect(firstTokenMs).toBeLessThan(15_000);
      expect(ready).toMatchObject({ port: expect.any(Number), tokenSource: { kind: 'embedded' } });
      expect(refreshed).toMatchObject({ credential: 'default', reason: 'deploy', outcome: 'written' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(body).toEqual({
        credential: 'default',
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresAt: refreshed.expiresAt,
        expiresIn: expect.any(Number),
      });
      expect(run.stdout()).not.toContain(body.accessToken as string);
      console.info(`local broker: first token served ${firstTokenMs} ms after spawn`);
    });

    it('serves the same token through the client library over plain HTTP', async () => {
      const client = new TokenBrokerClient({ url, credential: 'default' });
      const direct = (await (await fetch(`${url}/token`)).json()) as { accessToken: string };
      expect(await client.getToken()).toBe(direct.accessToken);
    });

    it('answers GET /status with the stored token and the last refresh, without the token', async () => {
      const response = await fetch(`${url}/status`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(JSON.parse(text)).toEqual({
        credentials: [expect.objectContaining({ credential: 'default', tokenStored: true, lastError: null })],
      });
      expect(text).not.toContain('accessToken');
    });

    it('keeps its table out of sight of DynamoDB clients that do not know its access key id', async () => {
      // A second line of defence behind the loopback bind (local-broker-dynamodb-local.test.ts):
      // DynamoDB Local keys its databases by access key id, and this one is made up per run.
      const other = createLocalDynamoDbClient((ready.dynamoDb as { endpoint: string }).endpoint);
      try {
        expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      } finally {
        other.destroy();
      }
    });

    it.each([
      ['GET', '/token?credential=staging', 404, 'UnknownCredential'],
      ['GET', '/token?credential=Bad_Name', 400, 'BadRequest'],
      ['GET', '/nowhere', 404, 'NotFound'],
      ['POST', '/token', 405, 'MethodNotAllowed'],
    ])('answers %s %s with %i %s in the Function URL error shape', async (method, path, status, error) => {
      const response = await fetch(`${url}${path}`, { method });
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error, message: expect.any(String) });
    });

    it.each([
      [
        'a DNS-rebinding page (Host attacker.example:PORT)',
        { host: 'attacker.example:PORT' },
        421,
        'MisdirectedRequest',
      ],
      ['another port on the same name', { host: '127.0.0.1:1' }, 421, 'MisdirectedRequest'],
      [
        'a page of another origin',
        { host: '127.0.0.1:PORT', origin: 'https://attacker.example' },
        403,
        'Forbidden',
      ],
      ['a sandboxed page (Origin null)', { host: 'localhost:PORT', origin: 'null' }, 403, 'Forbidden'],
      ['a cross-site fetch', { host: '127.0.0.1:PORT', 'sec-fetch-site': 'cross-site' }, 403, 'Forbidden'],
      [
        'a same-site fetch from another port',
        { host: 'localhost:PORT', 'sec-fetch-site': 'same-site' },
        403,
        'Forbidden',
      ],
    ])('refuses %s: %j → %i %s, token or status alike', async (_case, headers, status, error) => {
      for (const path of ['/token', '/status']) {
        // Act
        const answer = await rawGet(url, path, withPort(headers, url));

        // Assess
        expect(answer.status).toBe(status);
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(JSON.parse(answer.body)).toEqual({ error, message: expect.any(String) });
        expect(answer.body).not.toContain('accessToken');
      }
    });

    it('refuses a request without Host: HTTP/1.0 with 421, HTTP/1.1 already by Node (400)', async () => {
      const { port } = new URL(url);
      const http10 = await rawExchange(Number(port), 'GET /token HTTP/1.0\r\n\r\n');
      const http11 = await rawExchange(Number(port), 'GET /token HTTP/1.1\r\nConnection: close\r\n\r\n');
      expect(http10).toMatch(/^HTTP\/1\.1 421 /);
      expect(http10).toContain('"error":"MisdirectedRequest"');
      expect(http11).toMatch(/^HTTP\/1\.1 400 /);
      expect(`${http10}${http11}`).not.toContain('accessToken');
    });

    it('answers programs on this machine: Host 127.0.0.1 or localhost, no Origin, or its own', async () => {
      const programs: Record<string, string>[] = [
        { host: '127.0.0.1:PORT' },
        { host: 'localhost:PORT' },
        { host: '127.0.0.1:PORT', origin: 'http://127.0.0.1:PORT', 'sec-fetch-site': 'same-origin' },
        { host: 'localhost:PORT', 'sec-fetch-site': 'none' },
      ];
      for (const headers of programs) {
        const answer = await rawGet(url, '/token', withPort(headers, url));
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ credential: 'default', tokenType: 'Bearer' });
      }
    });

    it('prints one warning per refused request, naming the rule and not the token', async () => {
      await rawGet(url, '/token', { host: 'rebound.attacker.example' });
      const warning = await run.waitFor(
        (line) => line.event === 'warning' && String(line.message).includes('rebound.attacker.example'),
      );
      expect(warning.message).toMatch(/^refused a request: the local broker answers only requests for/);
    });

    it("replaces a token the A55 API rejected: A55Client's retry carries another one (rejectedTokenHash)", async () => {
      // Prepare: the API refuses the token the broker serves now, and takes any other.
      const broker = new TokenBrokerClient({ url, credential: 'default', retryDeadlineMs: 15_000 });
      const rejected = await broker.getToken();
      const api = await startA55StandIn();
      api.acceptOthers = true;
      api.revokedTokens.add(rejected);
      try {
        // Act
        const wallets = await new A55Client({ broker, baseUrl: api.baseUrl }).request('GET', '/wallets');

        // Assess
        expect(wallets).toEqual(WALLETS);
        const sent = api.calls.map((call) => call.authorization);
        expect(sent).toHaveLength(2);
        expect(sent[0]).toBe(`Bearer ${rejected}`);
        expect(sent[1]).not.toBe(`Bearer ${rejected}`);
        // The reader replaced the rejected token for every caller, not just this client.
        const direct = (await (await fetch(`${url}/token`)).json()) as { accessToken: string };
        expect(direct.accessToken).not.toBe(rejected);
        await run.waitFor((line) => line.event === 'refreshed' && line.reason === 'rejected-token');
        expect(run.stdout()).not.toContain(rejected);
      } finally {
        await api.stop();
      }
    });

    it('stops when npm goes away (its shell is killed), leaving no java process and no listener', async () => {
      // dash keeps running as the broker's parent and dies of the SIGTERM; shells that exec
      // the command pass the SIGTERM to the broker itself.
      const stopping = await stopAndCheck(run, ready);
      expect(['parent process exited', 'SIGTERM']).toContain(stopping.reason);
    });
  });

  describe('Real token endpoint from the environment', () => {
    let oauth: OAuthServer;

    beforeAll(async () => {
      oauth = await startOAuthServer({
        clients: [{ clientId: 'real-client', tokenEndpointAuthMethod: 'client_secret_basic' }],
      });
    });

    afterAll(async () => {
      await oauth?.stop();
    });

    it('fetches tokens from TOKEN_URL, heals a failed first refresh on a read, and never prints the secret', async () => {
      // Prepare: every attempt of the refresh at start meets a 503, so the first read finds no
      // token. (A refusal such as invalid_client is not healed by reads: decision D4.)
      const client = oauth.clients[0] as OAuthClient;
      oauth.failNext(4, 503);
      const run = start(['--port', '0', '--json', '--interval', '54'], {
        TOKEN_URL: oauth.tokenUrl,
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
        CLIENT_AUTH: 'client_secret_basic',
        CREDENTIAL_NAME: 'sandbox',
      });
      const ready = await run.waitFor((line) => line.event === 'ready');
      const url = ready.readerUrl as string;
      const failed = await run.waitFor((line) => line.event === 'refresh-failed');

      // Act
      const miss = await fetch(`${url}/token?credential=sandbox`);
      await run.waitFor((line) => line.event === 'refreshed');
      // The reader re-reads the store for a missing token at most once per Retry-After (2 s);
      // the client waits that out, as callers do.
      const token = await new TokenBrokerClient({ url, credential: 'sandbox' }).getTokenDetails();

      // Assess
      expect(ready).toMatchObject({
        tokenSource: { kind: 'real', origin: 'the environment' },
        credentials: [{ name: 'sandbox', tokenUrl: oauth.tokenUrl, clientAuth: 'client_secret_basic' }],
      });
      expect(failed).toMatchObject({ credential: 'sandbox', errorName: 'TokenEndpointUnavailable' });
      expect(miss.status).toBe(503);
      expect(miss.headers.get('retry-after')).toBe('2');
      expect(await miss.json()).toMatchObject({ error: 'TokenUnavailable' });
      expect(run.lines).toContainEqual(expect.objectContaining({ event: 'refresh-requested' }));
      expect(run.lines).toContainEqual(expect.objectContaining({ event: 'refreshed', reason: 'read-miss' }));
      expect(await oauth.introspect(token.accessToken)).toMatchObject({
        active: true,
        client_id: 'real-client',
      });
      expect(oauth.tokenRequests.every((request) => request.basicAuth)).toBe(true);
      expect(run.stdout() + run.stderr()).not.toContain(client.clientSecret);
      expect(run.stdout()).not.toContain(token.accessToken);

      const stopping = await stopAndCheck(run, ready, 'SIGTERM');
      expect(stopping.reason).toBe('SIGTERM');
    });
  });

  describe('Outage: the token endpoint issues tokens too short for the callers', () => {
    let oauth: OAuthServer;
    let run: BrokerRun;
    let url: string;

    beforeAll(async () => {
      // 10-minute tokens: a caller asking for 1800 s gets TokenUnavailable (Retry-After: 2) forever.
      oauth = await startOAuthServer({ accessTokenTtl: 600 });
      const client = oauth.clients[0] as OAuthClient;
      run = start(['--port', '0', '--json'], {
        TOKEN_URL: oauth.tokenUrl,
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
        CLIENT_AUTH: client.tokenEndpointAuthMethod,
      });
      url = (await run.waitFor((line) => line.event === 'ready')).readerUrl as string;
      await run.waitFor((line) => line.event === 'refreshed');
    });

    afterAll(async () => {
      if (run?.child.exitCode === null) run.child.kill('SIGTERM');
      await run?.exited;
      await oauth?.stop();
    });

    it('50 concurrent getToken() calls over 5 s make at most ceil(5/2)+1 broker calls, none within Retry-After', async () => {
      // Prepare: one client (one process), its broker calls timed.
      const calledAt: number[] = [];
      const http = new UrlTransport({ url });
      const transport: TokenTransport = {
        description: http.description,
        fetchToken: (request) => {
          calledAt.push(Date.now());
          return http.fetchToken(request);
        },
      };
      const client = new TokenBrokerClient({ transport, minValiditySeconds: 1800 });
      const started = Date.now();

      // Act: a caller every 100 ms for 5 s, each with the default 5 s deadline.
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        calls.push(client.getToken().catch((error: unknown) => error));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const outcomes = await Promise.all(calls);

      // Assess
      const within = calledAt.filter((at) => at - started < 5_000);
      const gaps = calledAt.slice(1).map((at, index) => at - (calledAt[index] as number));
      expect(outcomes.every((outcome) => outcome instanceof TokenUnavailable)).toBe(true);
      expect(within.length).toBeGreaterThanOrEqual(1);
      expect(within.length).toBeLessThanOrEqual(Math.ceil(5 / 2) + 1);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_990);
    });
  });

  describe('Startup errors: one line, non-zero exit, nothing left running', () => {
    let dir: string;
    let blocker: Server;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'local-broker-'));
      blocker = createServer().listen(0, '127.0.0.1');
      await once(blocker, 'listening');
    });

    afterAll(() => {
      blocker?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const expectOneLineError = async (run: BrokerRun, pattern: RegExp) => {
      expect((await run.exited).code).toBe(1);
      const lines = run.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(pattern);
      expect(run.stdout()).toBe('');
    };

    it('refuses a malformed credentials file without quoting it', async () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{"credentials": [{"name": "x", "clientSecret": "canary-secret-7f" ', {
        mode: 0o600,
      });
      const run = start(['--credentials', file]);
      await expectOneLineError(run, /credentials file .*broken\.json: is not valid JSON/);
      expect(run.stderr()).not.toContain('canary-secret-7f');
    });

    it('names the faulty field of a credentials file', async () => {
      const file = join(dir, 'bad-url.json');
      const entry = {
        name: 'sandbox',
        tokenUrl: 'http://example.com/token',
        clientId: 'a',
        clientSecret: 'b',
      };
      writeFileSync(file, JSON.stringify({ credentials: [entry] }), { mode: 0o600 });
      await expectOneLineError(
        start(['--credentials', file]),
        /credentials\[0\]\.tokenUrl: .* must use https/,
      );
    });

    it('says when the credentials file is missing', async () => {
      await expectOneLineError(start(['--credentials', join(dir, 'nope.json')]), /cannot be read \(ENOENT\)/);
    });

    it('says when the port is taken', async () => {
      const { port } = blocker.address() as { port: number };
      await expectOneLineError(start(['--port', String(port)]), new RegExp(`port ${port} .* already in use`));
    });

    it('says when Java is missing and --store dynamodb-local requires it', async () => {
      // Without the flag the broker keeps tokens in memory instead (local-broker-without-java.test.ts).
      const run = start(['--port', '0', '--store', 'dynamodb-local'], {
        PATH: '/nonexistent',
        JAVA_HOME: '',
      });
      await expectOneLineError(run, /java not found/);
    });
  });
});
