import { describe, expect, it } from 'vitest';
import type { RefresherCredentialSet } from '../../../../contract/index.js';
import {
  SecretUnavailable,
  TokenEndpointUnavailable,
  TokenRequestRejected,
  TokenResponseInvalid,
} from '../../../../lambda/core/errors.js';
import type { ClientCredentials, CredentialSource } from '../../../../lambda/core/ports.js';
import {
  isSecretRejected,
  RefreshFailure,
  type RefreshReport,
  refresh,
} from '../../../../lambda/core/refresh.js';
import { readStatus } from '../../../../lambda/core/status.js';
import {
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../../fakes/in-memory-state.js';

const CURRENT = { clientId: 'client-1', clientSecret: 'typo-secret-8f3a', versionId: 'version-new' };
const PREVIOUS = { clientId: 'client-1', clientSecret: 'good-secret-77c1', versionId: 'version-old' };
const okBody = (token = 'token-previous') => ({
  access_token: token,
  token_type: 'Bearer',
  expires_in: 3600,
});
const invalidClient = (status = 401) =>
  new TokenRequestRejected('default', status, 'invalid_client', 'paste the current pair');

/** A versioned secret: AWSCURRENT and, unless unset, AWSPREVIOUS; counts reads by stage. */
class VersionedSecret implements CredentialSource {
  readonly reads: string[] = [];
  previousFailure: Error | undefined;
  constructor(
    public current: ClientCredentials = CURRENT,
    /** `null`: the secret has no AWSPREVIOUS version. */
    public previous: ClientCredentials | null = PREVIOUS,
  ) {}
  async getCredentials(_set: RefresherCredentialSet): Promise<ClientCredentials> {
    this.reads.push('AWSCURRENT');
    return this.current;
  }
  async getPreviousCredentials(_set: RefresherCredentialSet): Promise<ClientCredentials | undefined> {
    this.reads.push('AWSPREVIOUS');
    if (this.previousFailure) throw this.previousFailure;
    return this.previous ?? undefined;
  }
}

function setup(script: Array<unknown | Error>, secret = new VersionedSecret()) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const endpoint = new ScriptedTokenEndpoint(script);
  const deps = { credentials: secret, endpoint, store, state, clock, sleep: clock.sleep, random: () => 0.5 };
  const run = (reason: 'schedule' | 'retry' = 'schedule') =>
    refresh(
      { set: testCredential(), reason, ...(reason === 'retry' ? { retry: { attempt: 1, dueAt: 0 } } : {}) },
      deps,
      { deadlineMs: clock.now() + 57_000 },
    );
  return { clock, store, state, endpoint, secret, run };
}

async function failureOf(report: Promise<RefreshReport>): Promise<RefreshFailure> {
  const outcome = await report.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(RefreshFailure);
  return outcome as RefreshFailure;
}

describe('Function: isSecretRejected', () => {
  it.each([
    [401, 'invalid_client', true],
    // RFC 6749 section 5.2 lets a server answer invalid_client with 400
    [400, 'invalid_client', true],
    [401, undefined, true],
    [401, 'other', true],
    [401, 'unauthorized_client', false],
    [400, 'invalid_scope', false],
    [403, undefined, false],
  ] as const)('HTTP %s with error %s is a rejected secret: %s', (status, code, expected) => {
    expect(isSecretRejected(new TokenRequestRejected('default', status, code, 'advice'))).toBe(expected);
  });

  it('is false for anything but a refused request', () => {
    expect(isSecretRejected(new TokenEndpointUnavailable('default', 'HTTP 503'))).toBe(false);
    expect(isSecretRejected(new Error('invalid_client'))).toBe(false);
  });
});

describe('Function: refresh, when AWSCURRENT is rejected', () => {
  it.each([401, 400])(
    'tries AWSPREVIOUS once after invalid_client (HTTP %s), stores its token and reports the rejection',
    async (status) => {
      // Prepare
      const { store, state, endpoint, secret, run } = setup([invalidClient(status), okBody()]);

      // Act
      const report = await run();

      // Assess
      expect(endpoint.requests.map((sent) => sent.clientSecret)).toEqual([
        CURRENT.clientSecret,
        PREVIOUS.clientSecret,
      ]);
      expect(secret.reads).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
      expect(store.items.get('default')?.accessToken).toBe('token-previous');
      expect(report).toMatchObject({
        outcome: 'written',
        attempts: 2,
        rejectedCode: 'invalid_client',
        secret: { stage: 'AWSPREVIOUS', versionId: 'version-old', rejectedVersionId: 'version-new' },
      });
      expect((await state.get('default')).secret).toEqual({
        stage: 'AWSPREVIOUS',
        versionId: 'version-old',
        rejectedVersionId: 'version-new',
      });
    },
  );

  it('says on /status which version is rejected and which is in use, and never a secret value', async () => {
    // Prepare
    const { store, state, clock, run } = setup([invalidClient(), okBody()]);
    await run();

    // Act
    const status = await readStatus(['default'], { store, state, clock });

    // Assess
    expect(status.credentials[0]?.secret).toEqual({
      inUse: { stage: 'AWSPREVIOUS', versionId: 'version-old' },
      rejected: { stage: 'AWSCURRENT', versionId: 'version-new' },
    });
    const text = JSON.stringify(status);
    expect(text).not.toContain(CURRENT.clientSecret);
    expect(text).not.toContain(PREVIOUS.clientSecret);
    expect(text).not.toContain('token-previous');
  });

  it('goes back to AWSCURRENT at the next run once a new version is saved', async () => {
    // Prepare
    const { state, endpoint, secret, run } = setup([invalidClient(), okBody(), okBody('token-fixed')]);
    await run();

    // Act: the operator saves the right pair; Secrets Manager moves the typo to AWSPREVIOUS
    secret.previous = secret.current;
    secret.current = { clientId: 'client-1', clientSecret: 'fixed-secret-0d9e', versionId: 'version-fixed' };
    const report = await run();

    // Assess
    expect(endpoint.requests.at(-1)?.clientSecret).toBe('fixed-secret-0d9e');
    expect(report).toMatchObject({ secret: { stage: 'AWSCURRENT', versionId: 'version-fixed' } });
    expect(report.rejectedCode).toBeUndefined();
    expect((await state.get('default')).secret).toEqual({ stage: 'AWSCURRENT', versionId: 'version-fixed' });
  });

  it('fails with the original rejection when AWSPREVIOUS is rejected too, redacting both pairs', async () => {
    // Prepare: an endpoint that echoes both secrets into its refusal
    const echo = new TokenRequestRejected(
      'default',
      401,
      'invalid_client',
      `saw ${CURRENT.clientSecret} then ${PREVIOUS.clientSecret}`,
    );
    const { store, endpoint, state, run } = setup([invalidClient(), echo]);

    // Act
    const failure = await failureOf(run());

    // Assess
    expect(endpoint.requests).toHaveLength(2);
    expect(failure.secretRejected).toBe(true);
    expect(failure.notes.map((note) => note.kind)).toEqual(['fallback-failed']);
    const emitted = JSON.stringify([
      failure.message,
      failure.notes.map((note) => (note.error as Error).message),
    ]);
    expect(emitted).not.toContain(CURRENT.clientSecret);
    expect(emitted).not.toContain(PREVIOUS.clientSecret);
    expect(store.items.get('default')).toBeUndefined();
    expect((await state.get('default')).lastFailure).toMatchObject({
      code: 'invalid_client',
      retryable: false,
    });
  });

  it.each([
    ['there is no previous version', new VersionedSecret(CURRENT, null)],
    ['the previous version is the same one', new VersionedSecret(CURRENT, CURRENT)],
  ])('does not fall back when %s', async (_case, secret) => {
    // Prepare
    const { endpoint, run } = setup([invalidClient()], secret);

    // Act
    const failure = await failureOf(run());

    // Assess
    expect(failure.secretRejected).toBe(true);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('fails as before when AWSPREVIOUS cannot be read', async () => {
    // Prepare
    const secret = new VersionedSecret();
    secret.previousFailure = new SecretUnavailable(
      'default',
      'arn',
      'cannot be read (AccessDeniedException)',
    );
    const { endpoint, run } = setup([invalidClient()], secret);

    // Act
    const failure = await failureOf(run());

    // Assess
    expect(failure.cause).toBeInstanceOf(TokenRequestRejected);
    expect(failure.notes).toEqual([{ kind: 'fallback-failed', error: secret.previousFailure }]);
    expect(endpoint.requests).toHaveLength(1);
  });

  it.each([
    ['an outage', () => new TokenEndpointUnavailable('default', 'HTTP 503')],
    ['invalid_scope', () => new TokenRequestRejected('default', 400, 'invalid_scope', 'fix scope')],
    [
      'unauthorized_client with 401',
      () => new TokenRequestRejected('default', 401, 'unauthorized_client', 'ask'),
    ],
    ['a malformed answer', () => new TokenResponseInvalid('default', 'token_type is not Bearer')],
    // A bare 401 counts as a rejected secret (the alarm) but does not name the client
    // credentials: a gateway's or WAF's page is no reason to send the retired pair.
    ['a 401 without an OAuth code', () => new TokenRequestRejected('default', 401, undefined, 'check')],
    ['a 401 with an unknown code', () => new TokenRequestRejected('default', 401, 'other', 'check')],
  ])('never falls back for any other failure: %s', async (_case, error) => {
    // Prepare
    const { secret, run } = setup([error(), error(), error(), error()]);

    // Act
    await failureOf(run());

    // Assess
    expect(secret.reads).not.toContain('AWSPREVIOUS');
  });
});
