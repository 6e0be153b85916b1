import { inspect } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BrokerResponseInvalid,
  ClientConfigError,
  TokenBrokerClient,
  TokenUnavailable,
  UnknownCredential,
} from '../../../client/index.js';
import { brokerToken, CANARY, fakeClock, lambdaPayload, ScriptedTransport } from './fakes.js';

const broker = 'scripted broker';
const unavailable = (retryAfterSeconds?: number) =>
  new TokenUnavailable("no usable token for credential 'sandbox': no token is stored yet", {
    broker,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

describe('Class: TokenBrokerClient', () => {
  const lambda = mockClient(LambdaClient);

  beforeEach(() => {
    lambda.reset();
    vi.stubEnv('TOKEN_BROKER_FUNCTION', '');
    vi.stubEnv('TOKEN_BROKER_URL', '');
    vi.stubEnv('TOKEN_BROKER_CREDENTIAL', '');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  describe('Method: constructor', () => {
    it('invokes the function TOKEN_BROKER_FUNCTION names, for TOKEN_BROKER_CREDENTIAL, when given no options', async () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_FUNCTION', 'a55-reader');
      vi.stubEnv('TOKEN_BROKER_CREDENTIAL', 'production');
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        Payload: lambdaPayload(brokerToken(CANARY, 3000, 'production')),
      });

      // Act
      const token = await new TokenBrokerClient().getToken();

      // Assess
      expect(token).toBe(CANARY);
      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'a55-reader' });
      const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
        credential: 'production',
        minValiditySeconds: 300,
      });
    });

    it('calls the URL TOKEN_BROKER_URL names, unsigned for the local broker', async () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_URL', 'http://127.0.0.1:8787');
      const fetch = vi.fn(async () => Response.json(brokerToken(CANARY)));

      // Act
      await new TokenBrokerClient({ fetch }).getToken();

      // Assess
      const [url, init] = fetch.mock.calls[0] as unknown as [URL, RequestInit];
      expect(String(url)).toBe('http://127.0.0.1:8787/token?minValiditySeconds=300');
      expect(init.headers).not.toHaveProperty('authorization');
    });

    it('prefers its options to the environment', async () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_URL', 'http://127.0.0.1:8787');
      vi.stubEnv('TOKEN_BROKER_CREDENTIAL', 'production');
      const transport = new ScriptedTransport(brokerToken(CANARY));

      // Act
      await new TokenBrokerClient({ transport, credential: 'sandbox', minValiditySeconds: 60 }).getToken();

      // Assess
      expect(transport.requests).toEqual([{ credential: 'sandbox', minValiditySeconds: 60 }]);
    });

    it('throws a ClientConfigError naming the variables when nothing names a broker', () => {
      // Act
      const act = () => new TokenBrokerClient();

      // Assess
      expect(act).toThrow(ClientConfigError);
      expect(act).toThrow(/TOKEN_BROKER_FUNCTION.*TOKEN_BROKER_URL.*broker\.connectLambda/);
    });

    it.each([
      [{ functionName: 'reader', url: 'https://abc.lambda-url.us-east-1.on.aws/' }, /only one of/],
      [
        { functionName: 'reader', credential: 'Production' },
        /^credential 'Production' must match \[a-z0-9-\]\{1,64\}$/,
      ],
      [{ functionName: 'reader', minValiditySeconds: 3601 }, /from 0 to 3600, got 3601/],
      [{ functionName: 'reader', minValiditySeconds: 1.5 }, /integer/],
      [{ functionName: 'reader', retryDeadlineMs: -1 }, /retryDeadlineMs/],
      [{ url: 'not a url' }, /not a valid URL/],
      [{ url: 'http://broker.internal:8787' }, /plain http to a remote host/],
      [{ url: 'http://127.attacker.example:8787' }, /plain http to a remote host/],
      [{ url: 'ftp://127.0.0.1/' }, /must use https/],
    ])('throws a ClientConfigError for %j', (options, message) => {
      expect(() => new TokenBrokerClient(options)).toThrow(ClientConfigError);
      expect(() => new TokenBrokerClient(options)).toThrow(message);
    });

    it('throws when the environment names both a function and a URL', () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_FUNCTION', 'a55-reader');
      vi.stubEnv('TOKEN_BROKER_URL', 'http://127.0.0.1:8787');

      // Act & Assess
      expect(() => new TokenBrokerClient()).toThrow(/both TOKEN_BROKER_FUNCTION and TOKEN_BROKER_URL/);
    });
  });

  describe('Method: getToken', () => {
    it('makes exactly one broker call for 100 concurrent callers', async () => {
      // Prepare
      const transport = new ScriptedTransport(brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport });
      transport.hold();

      // Act
      const calls = Array.from({ length: 100 }, () => client.getToken());
      transport.release();
      const tokens = await Promise.all(calls);

      // Assess
      expect(transport.requests).toHaveLength(1);
      expect(new Set(tokens)).toEqual(new Set([CANARY]));
    });

    it('serves the cached token while it has more than minValiditySeconds left, then asks again', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(brokerToken('first', 3600), brokerToken('second', 3600));
      const client = new TokenBrokerClient({ transport, clock, minValiditySeconds: 300 });
      await client.getToken();

      // Act
      clock.advance((3600 - 301) * 1000);
      const stillCached = await client.getToken();
      clock.advance(1000);
      const refreshed = await client.getToken();

      // Assess
      expect(stillCached).toBe('first');
      expect(refreshed).toBe('second');
      expect(transport.requests).toHaveLength(2);
    });

    it('counts expiry by its own clock from expiresIn, not by the broker clock in expiresAt', async () => {
      // Prepare: the broker's clock is an hour ahead, so expiresAt looks two hours away.
      const clock = fakeClock();
      const skewed = {
        ...brokerToken('skewed', 600),
        expiresAt: new Date(clock.now() + 7_200_000).toISOString(),
      };
      const transport = new ScriptedTransport(skewed, brokerToken('next', 3600));
      const client = new TokenBrokerClient({ transport, clock });
      await client.getToken();

      // Act
      clock.advance(301 * 1000);
      const token = await client.getToken();

      // Assess
      expect(token).toBe('next');
    });

    it('retries TokenUnavailable with growing waits until the broker has a token', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(
        unavailable(),
        unavailable(),
        unavailable(),
        brokerToken(CANARY),
      );
      const client = new TokenBrokerClient({ transport, clock });

      // Act
      const token = await client.getToken();

      // Assess
      expect(token).toBe(CANARY);
      expect(transport.requests).toHaveLength(4);
      expect(clock.sleeps).toHaveLength(3);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(100);
      expect(clock.sleeps[2]).toBeGreaterThanOrEqual(400);
    });

    it('throws TokenUnavailable once the retry deadline has passed, having waited no longer than it', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable());
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 5_000 });
      const start = clock.now();

      // Act
      const error = await client.getToken().catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({ name: 'TokenUnavailable' });
      expect(clock.now() - start).toBeLessThanOrEqual(5_000);
      expect(transport.requests.length).toBeGreaterThan(4);
    });

    it('waits at least as long as Retry-After asks', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(2), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock });

      // Act
      await client.getToken();

      // Assess
      expect(clock.sleeps).toEqual([2_000]);
    });

    it('throws at once when Retry-After asks to wait past the deadline', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(10), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 5_000 });

      // Act & Assess
      await expect(client.getToken()).rejects.toBeInstanceOf(TokenUnavailable);
      expect(transport.requests).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('does not retry when retryDeadlineMs is 0', async () => {
      const transport = new ScriptedTransport(unavailable(), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock: fakeClock(), retryDeadlineMs: 0 });
      await expect(client.getToken()).rejects.toBeInstanceOf(TokenUnavailable);
      expect(transport.requests).toHaveLength(1);
    });

    it('does not retry errors other than TokenUnavailable', async () => {
      // Prepare
      const unknown = new UnknownCredential("unknown credential 'staging'", { broker });
      const transport = new ScriptedTransport(unknown, brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });

      // Act & Assess
      await expect(client.getToken()).rejects.toBe(unknown);
      expect(transport.requests).toHaveLength(1);
    });

    it('never caches a failure: every waiting caller gets it, and the next call asks again', async () => {
      // Prepare
      const failure = new UnknownCredential('unknown', { broker });
      const transport = new ScriptedTransport(failure, brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });
      transport.hold();
      const waiting = Array.from({ length: 10 }, () => client.getToken().catch((error: unknown) => error));
      transport.release();

      // Act
      const failures = await Promise.all(waiting);
      const token = await client.getToken();

      // Assess
      expect(failures.every((error) => error === failure)).toBe(true);
      expect(token).toBe(CANARY);
      expect(transport.requests).toHaveLength(2);
    });

    it("stops one caller's wait on its signal while the shared call goes on for the others", async () => {
      // Prepare
      const transport = new ScriptedTransport(brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport });
      transport.hold();
      const controller = new AbortController();
      const impatient = client.getToken({ signal: controller.signal });
      const patient = client.getToken();

      // Act
      controller.abort(new Error('caller gave up'));
      transport.release();

      // Assess
      await expect(impatient).rejects.toThrow('caller gave up');
      await expect(patient).resolves.toBe(CANARY);
      expect(transport.requests).toHaveLength(1);
    });

    it('refuses a token for another credential set than the one asked for', async () => {
      const transport = new ScriptedTransport(brokerToken(CANARY, 3000, 'sandbox'));
      const client = new TokenBrokerClient({ transport, credential: 'production' });
      const error = await client.getToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerResponseInvalid);
      expect(inspect(error, { depth: 5 })).not.toContain(CANARY);
    });
  });

  describe('Method: getTokenDetails', () => {
    it('returns the view with expiresIn counted down to now', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(brokerToken(CANARY, 3000));
      const client = new TokenBrokerClient({ transport, clock });
      await client.getToken();
      clock.advance(1_000_500);

      // Act
      const details = await client.getTokenDetails();

      // Assess
      expect(details).toMatchObject({ accessToken: CANARY, tokenType: 'Bearer', expiresIn: 1999 });
      expect(transport.requests).toHaveLength(1);
    });
  });

  describe('Method: invalidate', () => {
    it('drops the cached token so the next call asks the broker', async () => {
      // Prepare
      const transport = new ScriptedTransport(brokerToken('rejected'), brokerToken('fresh'));
      const client = new TokenBrokerClient({ transport });
      const rejected = await client.getToken();

      // Act
      const dropped = client.invalidate(rejected);
      const fresh = await client.getToken();

      // Assess
      expect(dropped).toBe(true);
      expect(fresh).toBe('fresh');
      expect(transport.requests).toHaveLength(2);
    });

    it('keeps the cached token when asked to drop another one (a caller with a stale token)', async () => {
      // Prepare
      const transport = new ScriptedTransport(brokerToken('current'), brokerToken('other'));
      const client = new TokenBrokerClient({ transport });
      await client.getToken();

      // Act
      const dropped = client.invalidate('older-token');
      const token = await client.getToken();

      // Assess
      expect(dropped).toBe(false);
      expect(token).toBe('current');
      expect(transport.requests).toHaveLength(1);
    });
  });
});
