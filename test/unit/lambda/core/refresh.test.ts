import { describe, expect, it } from 'vitest';
import { TokenBrokerConfigError } from '../../../../contract/index.js';
import {
  CredentialSetMisconfigured,
  SecretInvalid,
  SecretUnavailable,
  TokenEndpointUnavailable,
  TokenRequestRejected,
  TokenResponseInvalid,
  TokenStoreError,
} from '../../../../lambda/core/errors.js';
import {
  describeFailure,
  failureCode,
  isSecretRejected,
  type RefreshDependencies,
  RefreshFailure,
  type RefreshReport,
  refresh,
} from '../../../../lambda/core/refresh.js';
import type { RefreshRequest } from '../../../../lambda/core/refresh-request.js';
import {
  FakeCredentialSource,
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../../fakes/in-memory-state.js';

const okBody = (token = 'token-1', expiresIn = 3600) => ({
  access_token: token,
  token_type: 'Bearer',
  expires_in: expiresIn,
});

function setup(script: Array<unknown | Error>) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const credentials = new FakeCredentialSource();
  const endpoint = new ScriptedTokenEndpoint(script);
  const deps: RefreshDependencies = {
    credentials,
    endpoint,
    store,
    state,
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
  };
  const deadlineMs = clock.now() + 57_000;
  return { clock, store, state, credentials, endpoint, deps, deadlineMs };
}

/** A request for `set`, as an operator's invoke sends it. */
const manual = (set = testCredential()): RefreshRequest => ({ set, reason: 'manual' });

/** Runs a refresh that must fail; resolves with the failure. */
async function failureOf(report: Promise<RefreshReport>): Promise<RefreshFailure> {
  const outcome = await report.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(RefreshFailure);
  return outcome as RefreshFailure;
}

/** A token already stored, which every failure must leave exactly as it is. */
const previous = {
  credential: 'default',
  accessToken: 'previous-token',
  tokenType: 'Bearer' as const,
  expiresAt: 1_800_000_000,
  fetchedAt: 1_700_000_000,
};

describe('Function: refresh', () => {
  it('fails a set whose configuration is unusable, naming it, recorded and not retryable, touching nothing else', async () => {
    // Prepare: a token from before the parameter broke
    const { clock, store, state, credentials, endpoint, deps, deadlineMs } = setup([okBody()]);
    await refresh(manual(), deps, { deadlineMs });
    const stored = store.items.get('default');
    const problem = new TokenBrokerConfigError(
      "credential set 'default': parameter /p/default secretId: '' must be a non-empty string; put it back",
    );

    // Act
    const failure = await failureOf(
      refresh(manual(testCredential({ unusable: problem })), deps, { deadlineMs }),
    );

    // Assess
    expect(failure.cause).toBeInstanceOf(CredentialSetMisconfigured);
    expect(failure.retryable).toBe(false);
    expect(failure.attempts).toBe(0);
    expect(failure.secondsLeft).toBe(3600);
    expect((failure.cause as Error).message).toBe(
      `credential 'default': its configuration cannot be used; no token was requested: ${problem.message}`,
    );
    expect((await state.get('default')).lastFailure).toEqual({
      name: 'CredentialSetMisconfigured',
      message: (failure.cause as Error).message,
      at: Math.floor(clock.now() / 1000),
      retryable: false,
    });
    expect(credentials.reads).toBe(1);
    expect(endpoint.requests).toHaveLength(1);
    expect(store.items.get('default')).toBe(stored);
  });

  it('stores a token fetched with the current secret, expiry counted from the send time', async () => {
    // Prepare
    const { clock, store, endpoint, deps, deadlineMs } = setup([okBody()]);
    const sentAt = clock.now();

    // Act
    const result = await refresh(manual(testCredential({ scope: 'wallets/read' })), deps, { deadlineMs });

    // Assess
    expect(result).toEqual({
      credential: 'default',
      reason: 'manual',
      outcome: 'written',
      expiresAt: Math.floor(sentAt / 1000) + 3600,
      fetchedAt: sentAt / 1000,
      attempts: 1,
      secondsLeft: 3600,
      lifetimeTooShort: false,
      notes: [],
      secret: { stage: 'AWSCURRENT' },
    });
    expect(store.items.get('default')).toMatchObject({
      accessToken: 'token-1',
      tokenType: 'Bearer',
      secretReadAt: sentAt / 1000,
    });
    expect(endpoint.requests[0]).toMatchObject({
      credential: 'default',
      clientId: 'client-1',
      clientSecret: 'secret-1',
      clientAuth: 'client_secret_post',
      scope: 'wallets/read',
      timeoutMs: 10_000,
    });
  });

  it('reads the secret on every refresh, so a rotated secret is used at once', async () => {
    // Prepare
    const { credentials, endpoint, deps, deadlineMs } = setup([okBody('t1'), okBody('t2')]);

    // Act
    await refresh(manual(), deps, { deadlineMs });
    credentials.credentials = { clientId: 'client-1', clientSecret: 'rotated' };
    await refresh(manual(), deps, { deadlineMs });

    // Assess
    expect(credentials.reads).toBe(2);
    expect(endpoint.requests.map((request) => request.clientSecret)).toEqual(['secret-1', 'rotated']);
  });

  it('retries a 503 and a timeout, then stores the token', async () => {
    const { store, deps, deadlineMs, clock } = setup([
      new TokenEndpointUnavailable('default', 'HTTP 503'),
      new TokenEndpointUnavailable('default', 'no answer within 10000 ms (timeout)'),
      okBody('after-retries'),
    ]);
    const result = await refresh(manual(), deps, { deadlineMs });
    expect(result.attempts).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
    expect(store.items.get('default')?.accessToken).toBe('after-retries');
  });

  it('does not let a request time out past the deadline', async () => {
    const { endpoint, deps, clock } = setup([okBody()]);
    await refresh(manual(), deps, { deadlineMs: clock.now() + 4_000 });
    expect(endpoint.requests[0]?.timeoutMs).toBe(4_000);
  });

  it('retries store throttling', async () => {
    const { store, deps, deadlineMs } = setup([okBody()]);
    store.putFailures.push(new TokenStoreError('default', 'throttled', { retryable: true }));
    const result = await refresh(manual(), deps, { deadlineMs });
    expect(result.outcome).toBe('written');
    expect(store.puts).toBe(2);
  });

  it('reports superseded, not an error, when a newer token is already stored', async () => {
    const { store, deps, deadlineMs, clock } = setup([okBody('older')]);
    const newer = { ...previous, fetchedAt: clock.now() / 1000 + 5 };
    store.items.set('default', newer);
    const result = await refresh(manual(), deps, { deadlineMs });
    expect(result.outcome).toBe('superseded');
    expect(store.items.get('default')).toBe(newer);
  });

  it('after superseded, reports the stored token (its expiry, its time left), not the one it dropped', async () => {
    // Prepare: a newer token that expires in 500 s (within the clock skew, so it is kept).
    const { store, deps, deadlineMs, clock } = setup([okBody('older', 3600)]);
    const now = clock.now() / 1000;
    const newer = {
      ...previous,
      fetchedAt: now + 5,
      secretReadAt: now + 4,
      expiresAt: Math.floor(now) + 500,
    };
    store.items.set('default', newer);

    // Act
    const result = await refresh(manual(), deps, { deadlineMs });

    // Assess
    expect(result).toMatchObject({
      outcome: 'superseded',
      expiresAt: newer.expiresAt,
      fetchedAt: newer.fetchedAt,
      secondsLeft: 500,
    });
  });

  it.each([
    ['fetched an hour in the future', 3_600, 7_200],
    ['expired', -3_000, -10],
  ])('replaces a stored item %s instead of reporting superseded', async (_case, fetchedIn, expiresIn) => {
    const { store, deps, deadlineMs, clock } = setup([okBody('fresh')]);
    const now = clock.now() / 1000;
    store.items.set('default', {
      ...previous,
      fetchedAt: now + fetchedIn,
      expiresAt: Math.floor(now + expiresIn),
    });
    const result = await refresh(manual(), deps, { deadlineMs });
    expect(result).toMatchObject({ outcome: 'written', secondsLeft: 3600 });
    expect(store.items.get('default')?.accessToken).toBe('fresh');
  });

  it('orders its write by when the secret was read: the start of the read that succeeded', async () => {
    // Prepare: the first read is throttled; the second starts after a backoff.
    const { credentials, store, deps, deadlineMs, clock } = setup([okBody()]);
    credentials.failures.push(
      new SecretUnavailable('default', 'arn:secret', 'cannot be read (ThrottlingException)', {
        retryable: true,
      }),
    );
    const readAt: number[] = [];
    const read = credentials.getCredentials.bind(credentials);
    credentials.getCredentials = async (set) => {
      readAt.push(clock.now());
      clock.advance(40);
      return read(set);
    };

    // Act
    await refresh(manual(), deps, { deadlineMs });

    // Assess
    expect(readAt).toHaveLength(2);
    expect(store.items.get('default')?.secretReadAt).toBe((readAt[1] as number) / 1000);
    expect(store.items.get('default')?.fetchedAt).toBe(((readAt[1] as number) + 40) / 1000);
  });

  describe('Short-lived tokens', () => {
    it.each([
      [3000, 3299, true],
      [3000, 3300, true],
      [3000, 3301, false],
      [300, 601, false],
      [undefined, 60, false],
    ])(
      'with a %s s schedule, a token living %i s is too short for it: %s',
      async (refreshIntervalSeconds, expiresIn, tooShort) => {
        const { deps, deadlineMs } = setup([okBody('t', expiresIn)]);
        const report = await refresh(
          manual(),
          { ...deps, ...(refreshIntervalSeconds === undefined ? {} : { refreshIntervalSeconds }) },
          { deadlineMs },
        );
        expect(report).toMatchObject({ outcome: 'written', lifetimeTooShort: tooShort });
      },
    );
  });

  it.each([
    ['a 401 invalid_client', new TokenRequestRejected('default', 401, 'invalid_client', 'fix it'), 1],
    ['a 400 invalid_request', new TokenRequestRejected('default', 400, 'invalid_request', 'fix it'), 1],
    ['a malformed response', { access_token: 'x', token_type: 'mac', expires_in: 3600 }, 1],
    ['a 503 every time', new TokenEndpointUnavailable('default', 'HTTP 503'), 4],
  ])('leaves the stored token untouched after %s (attempts: %i)', async (_case, failure, attempts) => {
    // Prepare
    const { store, endpoint, deps, deadlineMs } = setup(Array.from({ length: 4 }, () => failure));
    store.items.set('default', previous);

    // Act
    const act = refresh(manual(), deps, { deadlineMs });

    // Assess
    await expect(act).rejects.toThrow(/credential 'default'/);
    expect(endpoint.requests).toHaveLength(attempts);
    expect(store.puts).toBe(0);
    expect(store.items.get('default')).toBe(previous);
  });

  it('surfaces a malformed response as TokenResponseInvalid', async () => {
    const { deps, deadlineMs } = setup([{ access_token: 'x', token_type: 'Bearer' }]);
    const failure = await failureOf(refresh(manual(), deps, { deadlineMs }));
    expect(failure.cause).toBeInstanceOf(TokenResponseInvalid);
  });

  it('does not call the endpoint when the secret is malformed, and writes nothing', async () => {
    const { credentials, store, endpoint, deps, deadlineMs } = setup([okBody()]);
    credentials.failures.push(new SecretInvalid('default', 'arn:secret', 'field client_id is missing'));
    store.items.set('default', previous);
    const failure = await failureOf(refresh(manual(), deps, { deadlineMs }));
    expect((failure.cause as Error).message).toContain('field client_id is missing');
    expect(failure.attempts).toBe(0);
    expect(endpoint.requests).toHaveLength(0);
    expect(store.items.get('default')).toBe(previous);
  });

  it('retries a throttled secret read', async () => {
    const { credentials, deps, deadlineMs } = setup([okBody()]);
    credentials.failures.push(
      new SecretUnavailable('default', 'arn:secret', 'cannot be read (ThrottlingException)', {
        retryable: true,
      }),
    );
    await refresh(manual(), deps, { deadlineMs });
    expect(credentials.reads).toBe(2);
  });

  it('fails with the store error, not a token, when the store refuses the write', async () => {
    const { store, deps, deadlineMs } = setup([okBody('canary-token')]);
    store.putFailures.push(new TokenStoreError('default', 'AccessDeniedException on table t'));
    const failure = await failureOf(refresh(manual(), deps, { deadlineMs }));
    expect(failure.cause).toBeInstanceOf(TokenStoreError);
    expect(failure.message).not.toContain('canary-token');
    expect((failure.cause as Error).message).not.toContain('canary-token');
  });

  describe('The final guard: no client id or secret in anything it emits', () => {
    it('redacts the client id, the secret and their encodings from the failure, its cause, the notes and the state', async () => {
      // Prepare: errors that quote what was sent, as a buggy adapter or an echoing server might.
      const clientId = 'client-Xy9';
      const clientSecret = 'se cret/+=Q7';
      const basic = Buffer.from(
        `${new URLSearchParams({ v: clientId }).toString().slice(2)}:${new URLSearchParams({ v: clientSecret }).toString().slice(2)}`,
      ).toString('base64');
      const formSecret = new URLSearchParams({ v: clientSecret }).toString().slice(2);
      const { credentials, state, deps, deadlineMs } = setup([
        new TokenEndpointUnavailable('default', `HTTP 503 for ${clientId} / ${formSecret}`),
        new TokenRequestRejected(
          'default',
          400,
          'invalid_request',
          `sent Basic ${basic} and ${clientSecret}`,
        ),
      ]);
      credentials.credentials = { clientId, clientSecret };

      // Act
      const failure = await failureOf(refresh(manual(), deps, { deadlineMs }));

      // Assess
      const cause = failure.cause as Error;
      const retried = failure.notes[0]?.kind === 'retry' ? failure.notes[0].error : undefined;
      const texts = [
        failure.message,
        failure.stack,
        cause.message,
        cause.stack,
        retried?.message,
        retried?.stack,
        state.states.get('default')?.lastFailure?.message,
      ];
      for (const text of texts) {
        expect(text).toBeDefined();
        for (const forbidden of [clientId, clientSecret, formSecret, basic])
          expect(text).not.toContain(forbidden);
      }
      expect(cause.message).toContain('sent Basic [redacted] and [redacted]');
      expect(retried?.message).toContain('HTTP 503 for [redacted] / [redacted]');
    });

    it('redacts the notes of a refresh that succeeded, too', async () => {
      const { credentials, deps, deadlineMs } = setup([
        new TokenEndpointUnavailable('default', 'HTTP 503 quoting secret-Zz1'),
        okBody(),
      ]);
      credentials.credentials = { clientId: 'client-1', clientSecret: 'secret-Zz1' };
      const report = await refresh(manual(), deps, { deadlineMs });
      const note = report.notes[0];
      expect(note?.kind === 'retry' && note.error.message).toBe(
        "credential 'default': token endpoint unavailable: HTTP 503 quoting [redacted]",
      );
    });
  });

  describe('Recording the outcome', () => {
    it('records the success in the state item and reports the validity the token has', async () => {
      // Prepare
      const { clock, state, deps, deadlineMs } = setup([okBody()]);

      // Act
      const report = await refresh({ set: testCredential(), reason: 'schedule' }, deps, { deadlineMs });

      // Assess
      expect(report).toMatchObject({ credential: 'default', reason: 'schedule', secondsLeft: 3600 });
      expect(state.states.get('default')).toEqual({
        lastSuccessAt: Math.floor(clock.now() / 1000),
        secret: { stage: 'AWSCURRENT' },
      });
    });

    it('records a failure with its code, reports the validity left, and carries the error unchanged', async () => {
      const refused = new TokenRequestRejected('default', 401, 'invalid_client', 'check the secret');
      const { clock, store, state, deps, deadlineMs } = setup([refused]);
      await store.put({
        ...previous,
        expiresAt: clock.now() / 1000 + 600,
        fetchedAt: clock.now() / 1000 - 3000,
      });

      const failure = await failureOf(refresh(manual(), deps, { deadlineMs }));

      expect(failure.cause).toBe(refused);
      expect(failure).toMatchObject({
        credential: 'default',
        reason: 'manual',
        secondsLeft: 600,
        attempts: 1,
      });
      expect(failure.code).toBe('invalid_client');
      expect(failure.secretRejected).toBe(true);
      expect(state.states.get('default')?.lastFailure).toEqual({
        name: 'TokenRequestRejected',
        code: 'invalid_client',
        message: refused.message,
        at: Math.floor(clock.now() / 1000),
        retryable: false,
      });
      expect(failure.retryable).toBe(false);
      expect(store.items.get('default')?.accessToken).toBe('previous-token');
    });

    it('reports 0 s left when no token is stored, and unknown when the store cannot be read', async () => {
      const refused = new TokenRequestRejected('default', 400, 'invalid_scope', 'x');
      const first = setup([refused]);
      expect((await failureOf(refresh(manual(), first.deps, first))).secondsLeft).toBe(0);

      const second = setup([refused]);
      second.store.get = async () => {
        throw new TokenStoreError('default', 'GetItem failed');
      };
      const failure = await failureOf(refresh(manual(), second.deps, second));
      expect(failure.secondsLeft).toBeUndefined();
      expect(failure.notes).toEqual([{ kind: 'remaining-unknown', error: expect.any(TokenStoreError) }]);
    });

    it('keeps a success when its outcome cannot be recorded, and notes it', async () => {
      const { state, deps, deadlineMs } = setup([okBody()]);
      state.failures.push(new TokenStoreError('default', 'UpdateItem failed'));
      const report = await refresh(manual(), deps, { deadlineMs });
      expect(report.outcome).toBe('written');
      expect(report.notes).toEqual([{ kind: 'record-failed', error: expect.any(TokenStoreError) }]);
    });

    it('notes each retry with its wait, in order', async () => {
      const { deps, deadlineMs } = setup([new TokenEndpointUnavailable('default', 'HTTP 503'), okBody()]);
      const report = await refresh(manual(), deps, { deadlineMs });
      expect(report.notes).toEqual([
        { kind: 'retry', attempt: 1, delayMs: 250, error: expect.any(TokenEndpointUnavailable) },
      ]);
    });
  });
});

describe('Function: failureCode / isSecretRejected', () => {
  it.each([
    [new TokenRequestRejected('a', 401, 'invalid_client', 'x'), 'invalid_client', true],
    [new TokenRequestRejected('a', 401, undefined, 'x'), 'http_401', true],
    [new TokenRequestRejected('a', 400, 'invalid_scope', 'x'), 'invalid_scope', false],
    [new TokenEndpointUnavailable('a', 'HTTP 503'), undefined, false],
    [new SecretInvalid('a', 's', 'is empty'), undefined, false],
  ])('%o -> code %s, secret rejected %s', (error, code, rejected) => {
    expect(failureCode(error)).toBe(code);
    expect(isSecretRejected(error)).toBe(rejected);
  });

  it('describes an unexpected error without its message (retryable: Lambda retries it as before)', () => {
    expect(describeFailure(new TypeError('internal detail'), 5_000)).toEqual({
      name: 'InternalError',
      message: 'unexpected error; see the refresher logs',
      at: 5,
      retryable: true,
    });
  });

  it.each([
    [new TokenEndpointUnavailable('a', 'HTTP 503'), true],
    [new TokenRequestRejected('a', 400, 'invalid_scope', 'x'), false],
    [new SecretInvalid('a', 's', 'is empty'), false],
    [new TokenStoreError('a', 'throttled', { retryable: true }), true],
  ])('records %o as retryable: %s', (error, retryable) => {
    expect(describeFailure(error, 5_000).retryable).toBe(retryable);
  });
});
