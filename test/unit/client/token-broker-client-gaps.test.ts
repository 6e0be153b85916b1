/**
 * What the token client's other tests left open (issue #16): the exact back-off with its cap
 * (Math.random pinned), the option bounds, and the wait that outlasts the retry deadline.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BrokerResponseInvalid,
  ClientConfigError,
  TokenBrokerClient,
  TokenUnavailable,
} from '../../../client/index.js';
import { MIN_VALIDITY_SECONDS } from '../../../contract/index.js';
import { brokerToken, CANARY, fakeClock, ScriptedTransport } from './fakes.js';

const unavailable = (retryAfterSeconds?: number) =>
  new TokenUnavailable('no usable token yet', {
    broker: 'scripted broker',
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

describe('Class: TokenBrokerClient', () => {
  beforeEach(() => {
    vi.stubEnv('TOKEN_BROKER_FUNCTION', '');
    vi.stubEnv('TOKEN_BROKER_URL', '');
    vi.stubEnv('TOKEN_BROKER_CREDENTIAL', '');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  describe('Method: constructor', () => {
    const transport = new ScriptedTransport(brokerToken(CANARY));

    it.each([
      [-1, 'minValiditySeconds must be an integer from 0 to 1800, got -1'],
      [MIN_VALIDITY_SECONDS.max + 1, 'minValiditySeconds must be an integer from 0 to 1800, got 1801'],
      [3600, 'minValiditySeconds must be an integer from 0 to 1800, got 3600'],
      [1.5, 'minValiditySeconds must be an integer from 0 to 1800, got 1.5'],
      [Number.NaN, 'minValiditySeconds must be an integer from 0 to 1800, got NaN'],
    ])('refuses minValiditySeconds %j, naming the bounds', (minValiditySeconds, message) => {
      expect(() => new TokenBrokerClient({ transport, minValiditySeconds })).toThrow(
        new ClientConfigError(message),
      );
    });

    it.each([MIN_VALIDITY_SECONDS.min, MIN_VALIDITY_SECONDS.max])(
      'takes minValiditySeconds %j and sends it',
      async (minValiditySeconds) => {
        // Prepare
        const scripted = new ScriptedTransport(brokerToken(CANARY, 3000));
        const client = new TokenBrokerClient({ transport: scripted, minValiditySeconds });

        // Act
        await client.getToken();

        // Assess
        expect(client.minValiditySeconds).toBe(minValiditySeconds);
        expect(scripted.requests).toEqual([{ minValiditySeconds }]);
      },
    );

    it('defaults minValiditySeconds to the contract default, 300', async () => {
      const scripted = new ScriptedTransport(brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport: scripted });
      await client.getToken();
      expect(client.minValiditySeconds).toBe(300);
      expect(scripted.requests).toEqual([{ minValiditySeconds: 300 }]);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses retryDeadlineMs %j', (retryDeadlineMs) => {
      expect(() => new TokenBrokerClient({ transport, retryDeadlineMs })).toThrow(
        new ClientConfigError(`retryDeadlineMs must be 0 or more, got ${retryDeadlineMs}`),
      );
    });
  });

  describe('Method: getToken', () => {
    it.each([
      // Math.random() at its top: each wait is the whole ceiling, 200 ms doubling, capped at 1 s.
      [0.999_999, [200, 400, 800, 1_000, 1_000, 1_000]],
      // At its bottom: half the ceiling (equal jitter: never a near-zero wait).
      [0, [100, 200, 400, 500, 500, 500]],
    ])('backs off exponentially up to 1 s (Math.random() = %j)', async (random, waits) => {
      // Prepare
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const clock = fakeClock();
      const transport = new ScriptedTransport(...waits.map(() => unavailable()), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 60_000 });

      // Act
      const token = await client.getToken();

      // Assess
      expect(token).toBe(CANARY);
      expect(clock.sleeps).toEqual(waits);
    });

    it('waits the back-off when Retry-After asks for less', async () => {
      // Prepare
      vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(0), unavailable(0), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock });

      // Act
      await client.getToken();

      // Assess
      expect(clock.sleeps).toEqual([200, 400]);
    });

    it('retries while the wait ends exactly at the deadline, and stops when it would end past it', async () => {
      // Prepare: Retry-After 2 s twice within a 4 s deadline, then a third would end at 6 s
      const clock = fakeClock();
      const transport = new ScriptedTransport(
        unavailable(2),
        unavailable(2),
        unavailable(2),
        brokerToken(CANARY),
      );
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 4_000 });

      // Act
      const error = await client.getToken().catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(clock.sleeps).toEqual([2_000, 2_000]);
      expect(transport.requests).toHaveLength(3);
    });

    it('tells a caller whose deadline the shared wait outlasts how long it is, in whole seconds', async () => {
      // Prepare: the first caller's TokenUnavailable asks for 2.5 s; a caller with a 1 s deadline comes next
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(2.5), brokerToken(CANARY));
      const first = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 0, credential: 'sandbox' });
      await first.getToken().catch(() => undefined);
      clock.advance(400);

      // Act
      const error = await first.getToken().catch((caught: unknown) => caught);

      // Assess: 2.1 s left, said as 3 s; no call, no sleep
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({ retryAfterSeconds: 3, broker: 'scripted broker' });
      expect((error as Error).message).toBe(
        "no usable token for credential 'sandbox' yet: the broker answered TokenUnavailable and is not asked " +
          "again for 3 s (Retry-After), past this call's retry deadline (broker: scripted broker)",
      );
      expect(transport.requests).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it("names the broker's default set when no credential is asked for", async () => {
      const clock = fakeClock();
      const transport = new ScriptedTransport(unavailable(5), brokerToken(CANARY));
      const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 0 });
      await client.getToken().catch(() => undefined);
      const error = await client.getToken().catch((caught: unknown) => caught);
      expect((error as Error).message).toMatch(
        /^no usable token for credential the broker's default set yet/,
      );
    });

    it('serves the cached token while it has more than minValiditySeconds left, not at exactly that', async () => {
      // Prepare: 400 s of validity, minValiditySeconds 300
      const clock = fakeClock();
      const transport = new ScriptedTransport(brokerToken('first', 400), brokerToken('second', 3000));
      const client = new TokenBrokerClient({ transport, clock });
      await client.getToken();

      // Act & Assess
      clock.advance(99_999);
      expect(await client.getToken()).toBe('first');
      clock.advance(1);
      expect(await client.getToken()).toBe('second');
    });

    it('counts expiresIn down from when the request was sent, in whole seconds', async () => {
      const clock = fakeClock();
      const transport = new ScriptedTransport(brokerToken(CANARY, 3000));
      const client = new TokenBrokerClient({ transport, clock });
      await client.getToken();
      clock.advance(10_500);
      expect((await client.getTokenDetails()).expiresIn).toBe(2989);
    });
  });
});

describe('Class: TokenBrokerClient (more gaps)', () => {
  beforeEach(() => {
    vi.stubEnv('TOKEN_BROKER_FUNCTION', '');
    vi.stubEnv('TOKEN_BROKER_URL', '');
    vi.stubEnv('TOKEN_BROKER_CREDENTIAL', '');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('cuts a long invalid credential name to 70 characters in the message', () => {
    const credential = `${'X'.repeat(100)}`;
    expect(() => new TokenBrokerClient({ transport: new ScriptedTransport(), credential })).toThrow(
      new ClientConfigError(`credential '${'X'.repeat(70)}' must match [a-z0-9-]{1,64}`),
    );
  });

  it('drops nothing and answers false when asked to invalidate before any token', () => {
    expect(new TokenBrokerClient({ transport: new ScriptedTransport() }).invalidate('x')).toBe(false);
  });

  it("throws the broker's own TokenUnavailable when its Retry-After outlasts the deadline", async () => {
    const clock = fakeClock();
    const refusal = unavailable(10);
    const client = new TokenBrokerClient({
      transport: new ScriptedTransport(refusal),
      clock,
      retryDeadlineMs: 5_000,
    });
    await expect(client.getToken()).rejects.toBe(refusal);
  });

  it('asks at once, without a zero wait, once the shared wait has ended exactly', async () => {
    // Prepare: Retry-After 2 s, deadline 0: the first call fails, the wait is set
    const clock = fakeClock();
    const transport = new ScriptedTransport(unavailable(2), brokerToken(CANARY));
    const client = new TokenBrokerClient({ transport, clock, retryDeadlineMs: 0 });
    await client.getToken().catch(() => undefined);
    clock.advance(2_000);

    // Act
    const token = await client.getToken();

    // Assess
    expect(token).toBe(CANARY);
    expect(clock.sleeps).toEqual([]);
  });

  it('names both credentials, the answer cut to 70 characters, when the broker answers for another set', async () => {
    const other = `a${'b'.repeat(99)}`;
    const client = new TokenBrokerClient({
      transport: new ScriptedTransport(brokerToken(CANARY, 3000, other)),
      credential: 'sandbox',
    });
    await expect(client.getToken()).rejects.toThrow(
      new BrokerResponseInvalid(
        `asked for credential 'sandbox', the broker answered for '${other.slice(0, 70)}'`,
        {
          broker: 'scripted broker',
        },
      ),
    );
  });
});
