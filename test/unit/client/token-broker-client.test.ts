import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BadRequest,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  InvokeTransport,
  rejectedTokenHash,
  TokenBrokerClient,
  TokenUnavailable,
  UnknownCredential,
} from '../../../client/index.js';
import { MIN_VALIDITY_SECONDS } from '../../../contract/index.js';
import { brokerToken, CANARY, fakeClock, lambdaPayload, ScriptedTransport, timelineClock } from './fakes.js';

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
      [
        { functionName: 'reader', minValiditySeconds: 3601 },
        new RegExp(`from 0 to ${MIN_VALIDITY_SECONDS.max}, got 3601`),
      ],
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

    it("refuses minValiditySeconds 1801 in the contract's words: no one-hour token can serve more than 1800", () => {
      // Act
      const act = () => new TokenBrokerClient({ functionName: 'reader', minValiditySeconds: 1801 });

      // Assess
      expect(act).toThrow(ClientConfigError);
      expect(act).toThrow(/^minValiditySeconds must be an integer from 0 to 1800, got 1801$/);
      expect(
        new TokenBrokerClient({ functionName: 'reader', minValiditySeconds: 1800 }).minValiditySeconds,
      ).toBe(1800);
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

  describe('Outage: the broker answers TokenUnavailable to everyone', () => {
    /** Consumers that each call getToken again 10 ms after each failure, for `ms` of clock time. */
    function consumers(
      count: number,
      client: TokenBrokerClient,
      clock: ReturnType<typeof timelineClock>,
      ms: number,
    ) {
      const failures: unknown[] = [];
      const loops = Array.from({ length: count }, async () => {
        while (clock.elapsed() < ms) {
          await client.getToken().catch((error: unknown) => failures.push(error));
          await clock.sleep(10);
        }
      });
      return { failures, done: Promise.all(loops) };
    }

    /** Broker calls in the first `ms`, and the shortest gap between two calls. */
    function spacing(calledAt: readonly number[], start: number, ms: number) {
      const gaps = calledAt.slice(1).map((at, index) => at - (calledAt[index] as number));
      return { within: calledAt.filter((at) => at - start < ms).length, shortestGap: Math.min(...gaps) };
    }

    it('50 callers retrying for 5 s (Retry-After: 2) share one wait: at most ceil(5/2)+1 calls, none within 2 s', async () => {
      // Prepare
      const clock = timelineClock();
      const start = clock.now();
      const transport = new ScriptedTransport(unavailable(2));
      transport.clock = clock;
      const client = new TokenBrokerClient({ transport, clock });

      // Act
      const run = consumers(50, client, clock, 5_000);
      await clock.runFor(20_000);
      await run.done;

      // Assess
      const { within, shortestGap } = spacing(transport.calledAt, start, 5_000);
      expect(within).toBeLessThanOrEqual(Math.ceil(5 / 2) + 1);
      expect(shortestGap).toBeGreaterThanOrEqual(2_000);
      expect(run.failures.length).toBeGreaterThanOrEqual(50);
      expect(run.failures.every((error) => error instanceof TokenUnavailable)).toBe(true);
    });

    it("over Lambda Invoke (no Retry-After header) waits the reader's contract Retry-After, shared by 50 callers", async () => {
      // Prepare
      const clock = timelineClock();
      const start = clock.now();
      const calledAt: number[] = [];
      lambda.on(InvokeCommand).callsFake(() => {
        calledAt.push(clock.now());
        return {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: lambdaPayload({ errorType: 'TokenUnavailable', errorMessage: 'no token is stored yet' }),
        };
      });
      const transport = new InvokeTransport({
        functionName: 'a55-reader',
        lambdaClient: new LambdaClient({}),
      });
      const client = new TokenBrokerClient({ transport, clock });

      // Act
      const run = consumers(50, client, clock, 5_000);
      await clock.runFor(20_000);
      await run.done;

      // Assess
      const { within, shortestGap } = spacing(calledAt, start, 5_000);
      expect(within).toBeLessThanOrEqual(Math.ceil(5 / 2) + 1);
      expect(shortestGap).toBeGreaterThanOrEqual(2_000);
    });

    it('a container serving requests back to back through a minute of outage invokes the reader at most 31 times, not 112', async () => {
      // Prepare: one request after another (50 ms apart), each asking for a token.
      const clock = timelineClock();
      let invokes = 0;
      lambda.on(InvokeCommand).callsFake(() => {
        invokes++;
        return {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: lambdaPayload({ errorType: 'TokenUnavailable', errorMessage: 'no token is stored yet' }),
        };
      });
      const transport = new InvokeTransport({
        functionName: 'a55-reader',
        lambdaClient: new LambdaClient({}),
      });
      const client = new TokenBrokerClient({ transport, clock });
      const container = (async () => {
        while (clock.elapsed() < 60_000) {
          await client.getToken().catch(() => undefined);
          await clock.sleep(50);
        }
      })();

      // Act
      await clock.runFor(70_000);
      await container;

      // Assess: one call per Retry-After (2 s) at most, over 60 s plus the last call's deadline.
      expect(invokes).toBeLessThanOrEqual(Math.ceil(60 / 2) + 1);
    });

    it("fails at once, without a call, when the shared wait runs past the caller's deadline; asks again after it", async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(2), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 0 });
      await expect(client.getToken()).rejects.toBeInstanceOf(TokenUnavailable);

      // Act
      const during = await client.getToken().catch((error: unknown) => error);
      clock.advance(2_000);
      const after = await client.getToken();

      // Assess
      expect(during).toBeInstanceOf(TokenUnavailable);
      expect(during).toMatchObject({ retryAfterSeconds: 2 });
      expect((during as Error).message).toMatch(/Retry-After/);
      expect(after).toBe(CANARY);
      expect(transport.requests).toHaveLength(2);
    });

    it('a failure is not shared with a later caller: it asks the broker again at once', async () => {
      // Prepare
      const transport = new ScriptedTransport(new BrokerUnavailable('down', { broker }), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });
      await expect(client.getToken()).rejects.toBeInstanceOf(BrokerUnavailable);

      // Act
      const token = await client.getToken();

      // Assess
      expect(token).toBe(CANARY);
      expect(transport.requests).toHaveLength(2);
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

    it('makes the next broker call say "not this token" by a 16-hex SHA-256 prefix, never the token, once', async () => {
      // Prepare
      const clock = fakeClock();
      const transport = new ScriptedTransport(
        brokerToken(CANARY),
        brokerToken('fresh'),
        brokerToken('later'),
      );
      const client = new TokenBrokerClient({ transport, clock });
      const rejected = await client.getToken();

      // Act
      client.invalidate(rejected);
      const fresh = await client.getToken();
      clock.advance(3_000_000); // the fresh token runs out: the next call is an ordinary one
      await client.getToken();

      // Assess
      expect(fresh).toBe('fresh');
      expect(transport.requests[1]).toEqual({
        minValiditySeconds: 300,
        rejectedTokenHash: sha256Prefix(CANARY),
      });
      expect(transport.requests[2]).not.toHaveProperty('rejectedTokenHash');
      expect(JSON.stringify(transport.requests)).not.toContain(CANARY);
      expect(rejectedTokenHash('abc')).toBe('ba7816bf8f01cfea');
    });

    it('keeps saying it through TokenUnavailable retries and failed calls until another token comes', async () => {
      // Prepare
      const transport = new ScriptedTransport(
        brokerToken(CANARY),
        unavailable(1),
        new BrokerUnavailable('down', { broker }),
        brokerToken('fresh'),
      );
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });
      client.invalidate(await client.getToken());

      // Act
      const failed = await client.getToken().catch((error: unknown) => error);
      const fresh = await client.getToken();

      // Assess
      expect(failed).toBeInstanceOf(BrokerUnavailable);
      expect(fresh).toBe('fresh');
      expect(transport.requests.map((request) => request.rejectedTokenHash)).toEqual([
        undefined,
        sha256Prefix(CANARY),
        sha256Prefix(CANARY),
        sha256Prefix(CANARY),
      ]);
    });

    it('stops sending the hash after a BadRequest (a reader older than the field), so later calls work', async () => {
      // Prepare
      const refused = new BadRequest("unknown field 'rejectedTokenHash'", { broker, status: 400 });
      const transport = new ScriptedTransport(brokerToken(CANARY), refused, brokerToken('fresh'));
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });
      client.invalidate(await client.getToken());

      // Act
      const failed = await client.getToken().catch((error: unknown) => error);
      const fresh = await client.getToken();

      // Assess
      expect(failed).toBe(refused);
      expect(fresh).toBe('fresh');
      expect(transport.requests[2]).not.toHaveProperty('rejectedTokenHash');
    });

    it('never caches a token invalidated while it was fetched, nor hands it to a caller who came after', async () => {
      // Prepare: the cached token has run out (200 s left of 400, the client wants 300).
      const clock = fakeClock();
      const transport = new ScriptedTransport(
        brokerToken(CANARY, 400),
        brokerToken(CANARY, 3000),
        brokerToken('fresh', 3000),
      );
      const client = new TokenBrokerClient({ transport, clock });
      await client.getToken();
      clock.advance(200_000);
      transport.hold();
      const before = client.getToken(); // asks without a hash: nothing was rejected yet

      // Act: the A55 API rejects the token meanwhile; a caller asks again.
      expect(client.invalidate(CANARY)).toBe(true);
      const after = client.getToken();
      transport.release();

      // Assess
      expect(await before).toBe(CANARY); // the callers of that call get its answer...
      expect(await after).toBe('fresh'); // ...but the caller who knew better waited and asked again
      expect(await client.getToken()).toBe('fresh');
      expect(transport.requests.map((request) => request.rejectedTokenHash)).toEqual([
        undefined,
        undefined,
        sha256Prefix(CANARY),
      ]);
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

/** The first 16 lowercase hex characters of the SHA-256 of `token` (decision D3). */
function sha256Prefix(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
