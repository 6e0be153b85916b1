import { describe, expect, it } from 'vitest';
import {
  SecretInvalid,
  SecretUnavailable,
  TokenEndpointUnavailable,
  TokenRequestRejected,
  TokenResponseInvalid,
  TokenStoreError,
} from '../../../lambda/core/errors.js';
import { type RefreshDependencies, refreshToken } from '../../../lambda/core/refresh.js';
import {
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  StaticCredentialSource,
  testCredential,
} from '../../fakes/in-memory.js';

const okBody = (token = 'token-1', expiresIn = 3600) => ({
  access_token: token,
  token_type: 'Bearer',
  expires_in: expiresIn,
});

function setup(script: Array<unknown | Error>) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const credentials = new StaticCredentialSource();
  const endpoint = new ScriptedTokenEndpoint(script);
  const deps: RefreshDependencies = {
    credentials,
    endpoint,
    store,
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
  };
  const deadlineMs = clock.now() + 57_000;
  return { clock, store, credentials, endpoint, deps, deadlineMs };
}

/** A token already stored, which every failure must leave exactly as it is. */
const previous = {
  credential: 'default',
  accessToken: 'previous-token',
  tokenType: 'Bearer' as const,
  expiresAt: 1_800_000_000,
  fetchedAt: 1_700_000_000,
};

describe('Function: refreshToken', () => {
  it('stores a token fetched with the current secret, expiry counted from the send time', async () => {
    // Prepare
    const { clock, store, endpoint, deps, deadlineMs } = setup([okBody()]);
    const sentAt = clock.now();

    // Act
    const result = await refreshToken(testCredential({ scope: 'wallets/read' }), deps, { deadlineMs });

    // Assess
    expect(result).toEqual({
      credential: 'default',
      outcome: 'written',
      expiresAt: Math.floor(sentAt / 1000) + 3600,
      fetchedAt: sentAt / 1000,
      attempts: 1,
    });
    expect(store.items.get('default')).toMatchObject({ accessToken: 'token-1', tokenType: 'Bearer' });
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
    await refreshToken(testCredential(), deps, { deadlineMs });
    credentials.credentials = { clientId: 'client-1', clientSecret: 'rotated' };
    await refreshToken(testCredential(), deps, { deadlineMs });

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
    const result = await refreshToken(testCredential(), deps, { deadlineMs });
    expect(result.attempts).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
    expect(store.items.get('default')?.accessToken).toBe('after-retries');
  });

  it('does not let a request time out past the deadline', async () => {
    const { endpoint, deps, clock } = setup([okBody()]);
    await refreshToken(testCredential(), deps, { deadlineMs: clock.now() + 4_000 });
    expect(endpoint.requests[0]?.timeoutMs).toBe(4_000);
  });

  it('retries store throttling', async () => {
    const { store, deps, deadlineMs } = setup([okBody()]);
    store.putFailures.push(new TokenStoreError('default', 'throttled', { retryable: true }));
    const result = await refreshToken(testCredential(), deps, { deadlineMs });
    expect(result.outcome).toBe('written');
    expect(store.puts).toBe(2);
  });

  it('reports superseded, not an error, when a newer token is already stored', async () => {
    const { store, deps, deadlineMs, clock } = setup([okBody('older')]);
    const newer = { ...previous, fetchedAt: clock.now() / 1000 + 5 };
    store.items.set('default', newer);
    const result = await refreshToken(testCredential(), deps, { deadlineMs });
    expect(result.outcome).toBe('superseded');
    expect(store.items.get('default')).toBe(newer);
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
    const act = refreshToken(testCredential(), deps, { deadlineMs });

    // Assess
    await expect(act).rejects.toThrow(/credential 'default'/);
    expect(endpoint.requests).toHaveLength(attempts);
    expect(store.puts).toBe(0);
    expect(store.items.get('default')).toBe(previous);
  });

  it('surfaces a malformed response as TokenResponseInvalid', async () => {
    const { deps, deadlineMs } = setup([{ access_token: 'x', token_type: 'Bearer' }]);
    await expect(refreshToken(testCredential(), deps, { deadlineMs })).rejects.toBeInstanceOf(
      TokenResponseInvalid,
    );
  });

  it('does not call the endpoint when the secret is malformed, and writes nothing', async () => {
    const { credentials, store, endpoint, deps, deadlineMs } = setup([okBody()]);
    credentials.failures.push(new SecretInvalid('default', 'arn:secret', 'field client_id is missing'));
    store.items.set('default', previous);
    await expect(refreshToken(testCredential(), deps, { deadlineMs })).rejects.toThrow(
      'field client_id is missing',
    );
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
    await refreshToken(testCredential(), deps, { deadlineMs });
    expect(credentials.reads).toBe(2);
  });

  it('fails with the store error, not a token, when the store refuses the write', async () => {
    const { store, deps, deadlineMs } = setup([okBody('canary-token')]);
    store.putFailures.push(new TokenStoreError('default', 'AccessDeniedException on table t'));
    const act = refreshToken(testCredential(), deps, { deadlineMs });
    await expect(act).rejects.toBeInstanceOf(TokenStoreError);
    await expect(act).rejects.not.toThrow('canary-token');
  });
});
