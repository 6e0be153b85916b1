/**
 * What the refresh tests left open (issue #16): the granted scope in the stored item (and
 * none when the server grants none), the whole item written, and the cause every core error
 * keeps (the leak-canary walk follows `cause`, so dropping it must fail a test).
 */
import { describe, expect, it } from 'vitest';
import {
  SecretUnavailable,
  TokenEndpointUnavailable,
  TokenRequestRejected,
  TokenStoreError,
} from '../../../../lambda/core/errors.js';
import { type RefreshDependencies, refresh } from '../../../../lambda/core/refresh.js';
import {
  FakeCredentialSource,
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../../fakes/in-memory-state.js';

function setup(script: unknown[]) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const deps: RefreshDependencies = {
    credentials: new FakeCredentialSource(),
    endpoint: new ScriptedTokenEndpoint(script),
    store,
    state: new InMemoryStateStore(),
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
  };
  return { clock, store, deps, deadlineMs: clock.now() + 57_000 };
}

describe('Function: refresh', () => {
  it('stores the scope the server granted, with the whole item', async () => {
    // Prepare: the set asks for two scopes, the server grants one
    const { clock, store, deps, deadlineMs } = setup([
      { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600, scope: 'wallets/read' },
    ]);
    const sentAt = clock.now();

    // Act
    await refresh({ set: testCredential({ scope: 'wallets/read wallets/write' }), reason: 'manual' }, deps, {
      deadlineMs,
    });

    // Assess
    expect(store.items.get('default')).toStrictEqual({
      credential: 'default',
      accessToken: 'token-1',
      tokenType: 'Bearer',
      expiresAt: Math.floor(sentAt / 1000) + 3600,
      fetchedAt: sentAt / 1000,
      secretReadAt: sentAt / 1000,
      scope: 'wallets/read',
    });
  });

  it('stores no scope when the server grants none', async () => {
    const { store, deps, deadlineMs } = setup([
      { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600 },
    ]);
    await refresh({ set: testCredential({ scope: 'wallets/read' }), reason: 'manual' }, deps, { deadlineMs });
    expect(store.items.get('default')).not.toHaveProperty('scope');
  });
});

describe('Errors of the core', () => {
  const cause = new Error('socket hang up');

  it.each([
    ['TokenEndpointUnavailable', new TokenEndpointUnavailable('sandbox', 'HTTP 503', undefined, { cause })],
    ['TokenStoreError', new TokenStoreError('sandbox', 'PutItem failed', { cause, retryable: true })],
  ])('%s keeps its cause', (name, error) => {
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
  });

  it('has no cause when given none, and is not retryable unless told', () => {
    const error = new TokenStoreError('sandbox', 'PutItem failed');
    expect('cause' in error).toBe(false);
    expect(error.retryable).toBe(false);
    expect(new TokenStoreError('sandbox', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('words a refused token request and an unavailable endpoint with the credential', () => {
    expect(new TokenEndpointUnavailable('sandbox', 'HTTP 503', 7)).toMatchObject({
      message: "credential 'sandbox': token endpoint unavailable: HTTP 503",
      retryAfterSeconds: 7,
      retryable: true,
      credential: 'sandbox',
    });
    expect(new TokenRequestRejected('sandbox', 400, 'invalid_scope', 'x').name).toBe('TokenRequestRejected');
    const secret = new SecretUnavailable('sandbox', 'a55/sandbox', 'could not be read', {
      cause,
      retryable: true,
    });
    expect(secret).toMatchObject({
      name: 'SecretUnavailable',
      message: "credential 'sandbox': secret a55/sandbox could not be read",
      secretId: 'a55/sandbox',
      retryable: true,
    });
    expect(secret.cause).toBe(cause);
  });
});
