/**
 * The refresh use case: read the secret, get a token, validate it, store it if it is the
 * newest, and record the outcome in the set's state item. It returns a
 * {@link RefreshReport} or throws a {@link RefreshFailure}; the runner (the refresher
 * Lambda, the local broker) turns either into log lines and metrics. Any failure leaves
 * the stored token as it was.
 */
import { BrokerError, SecretNotSet, TokenRequestRejected } from './errors.js';
import type {
  CredentialSource,
  PutResult,
  RecordedFailure,
  StateStore,
  TokenEndpoint,
  TokenStore,
} from './ports.js';
import type { RefreshRequest } from './refresh-request.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryRuntime, withRetry } from './retry.js';
import { secondsRemaining, validateTokenResponse } from './token-rules.js';

/** Everything a refresh talks to. */
export interface RefreshDependencies extends RetryRuntime {
  readonly credentials: CredentialSource;
  readonly endpoint: TokenEndpoint;
  readonly store: TokenStore;
  /** Where the outcome is recorded for the status answer. */
  readonly state: StateStore;
  readonly retryPolicy?: RetryPolicy;
  /** Per-attempt HTTP timeout. @default 10_000 */
  readonly requestTimeoutMs?: number;
}

/** Something that happened during a refresh without deciding its outcome; for the logs. */
export type RefreshNote =
  /** An attempt failed with a retryable error; the next one follows after `delayMs`. */
  | {
      readonly kind: 'retry';
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: BrokerError;
    }
  /** The outcome could not be written to the state item; the outcome stands. */
  | { readonly kind: 'record-failed'; readonly error: unknown }
  /** After a failure, the stored token could not be read to tell its remaining validity. */
  | { readonly kind: 'remaining-unknown'; readonly error: unknown };

/** What a refresh did; carries no token. */
export interface RefreshReport {
  readonly credential: string;
  readonly reason: RefreshRequest['reason'];
  /** `superseded`: a token fetched later was already stored, so this one was dropped. */
  readonly outcome: PutResult;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Epoch seconds (fractional, millisecond precision) when the winning request was sent. */
  readonly fetchedAt: number;
  /** Token endpoint attempts made. */
  readonly attempts: number;
  /** Seconds of validity the token has now. */
  readonly secondsLeft: number;
  /** What happened on the way (retries, recording problems), in order. */
  readonly notes: readonly RefreshNote[];
}

/** Default per-attempt timeout of the token request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Refreshes the token of one credential set and records the outcome.
 *
 * The secret is read on every call (no caching) so a rotation takes effect on the next
 * refresh. Retryable endpoint failures (429, 5xx, timeouts, network) and store
 * throttling are retried with full-jitter backoff until `deadlineMs`; refusals (400/401)
 * and malformed responses are not.
 *
 * @throws RefreshFailure whose `cause` is SecretUnavailable | SecretInvalid | SecretNotSet
 *   | TokenRequestRejected | TokenEndpointUnavailable | TokenResponseInvalid | TokenStoreError;
 *   nothing has been written in any of those cases.
 * @example
 * const report = await refresh(parseRefreshRequest(event, sets), deps, { deadlineMs });
 */
export async function refresh(
  request: RefreshRequest,
  deps: RefreshDependencies,
  options: { readonly deadlineMs: number },
): Promise<RefreshReport> {
  const { set } = request;
  const notes: RefreshNote[] = [];
  const attempts = { count: 0 };
  try {
    const stored = await fetchAndStore(request, deps, options.deadlineMs, notes, attempts);
    await deps.state
      .recordSuccess(set.name, Math.floor(deps.clock.now() / 1000))
      .catch((error: unknown) => notes.push({ kind: 'record-failed', error }));
    return {
      credential: set.name,
      reason: request.reason,
      ...stored,
      attempts: attempts.count,
      secondsLeft: secondsRemaining(stored, deps.clock.now()),
      notes,
    };
  } catch (error) {
    await deps.state
      .recordFailure(set.name, describeFailure(error, deps.clock.now()))
      .catch((recordError: unknown) => notes.push({ kind: 'record-failed', error: recordError }));
    const secondsLeft = await remainingValidity(set.name, deps, notes);
    throw new RefreshFailure(request, error, { attempts: attempts.count, secondsLeft, notes });
  }
}

/** The three steps, each retried on its own: a store retry never fetches a second token. */
async function fetchAndStore(
  { set }: RefreshRequest,
  deps: RefreshDependencies,
  deadlineMs: number,
  notes: RefreshNote[],
  attempts: { count: number },
): Promise<{ outcome: PutResult; expiresAt: number; fetchedAt: number }> {
  const timeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const retry = {
    policy: deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
    runtime: deps,
    deadlineMs,
    onRetry: (info: { attempt: number; delayMs: number; error: BrokerError }) =>
      notes.push({ kind: 'retry', ...info }),
  };
  const {
    value: { clientId, clientSecret },
  } = await withRetry(() => deps.credentials.getCredentials(set), retry);

  const { value: fetched } = await withRetry(async () => {
    attempts.count++;
    // Expiry counts from when the request left, so a slow answer can only shorten it.
    const sentAtMs = deps.clock.now();
    const response = await deps.endpoint.requestToken({
      credential: set.name,
      tokenUrl: set.tokenUrl,
      clientAuth: set.clientAuth,
      clientId,
      clientSecret,
      timeoutMs: Math.max(1, Math.min(timeoutMs, deadlineMs - sentAtMs)),
      ...(set.scope === undefined ? {} : { scope: set.scope }),
    });
    return { token: validateTokenResponse(set.name, response.body, sentAtMs), sentAtMs };
  }, retry);

  const { token } = fetched;
  const fetchedAt = fetched.sentAtMs / 1000;
  const { value: outcome } = await withRetry(
    () =>
      deps.store.put({
        credential: set.name,
        accessToken: token.accessToken,
        tokenType: 'Bearer',
        expiresAt: token.expiresAt,
        fetchedAt,
        ...(token.scope === undefined ? {} : { scope: token.scope }),
      }),
    retry,
  );
  return { outcome, expiresAt: token.expiresAt, fetchedAt };
}

/** Seconds the token still stored has (0 when none), for the "nearing expiry" alarm and the local log. */
async function remainingValidity(
  credential: string,
  deps: RefreshDependencies,
  notes: RefreshNote[],
): Promise<number | undefined> {
  try {
    const stored = await deps.store.get(credential);
    return stored ? Math.max(0, secondsRemaining(stored, deps.clock.now())) : 0;
  } catch (error) {
    notes.push({ kind: 'remaining-unknown', error });
    return undefined;
  }
}

/**
 * A refresh that stored nothing; the token stored before is left as it was. Thrown by
 * {@link refresh} once the failure is recorded in the state item.
 */
export class RefreshFailure extends Error {
  override readonly name = 'RefreshFailure';
  /** The error that ended the refresh (a {@link BrokerError}, or a bug). */
  override readonly cause: unknown;
  readonly credential: string;
  readonly reason: RefreshRequest['reason'];
  /** Token endpoint attempts made; 0 when the secret could not be read. */
  readonly attempts: number;
  /**
   * Seconds the token still stored has (0 when none is stored): what the "nearing expiry"
   * alarm watches. Undefined when the store could not be read.
   */
  readonly secondsLeft: number | undefined;
  /** What happened on the way (retries, recording problems), in order. */
  readonly notes: readonly RefreshNote[];

  constructor(
    request: RefreshRequest,
    cause: unknown,
    details: {
      readonly attempts: number;
      readonly secondsLeft: number | undefined;
      readonly notes: readonly RefreshNote[];
    },
  ) {
    const detail = cause instanceof Error ? cause.message : 'a non-error value was thrown';
    super(`refresh of credential '${request.set.name}' failed: ${detail}`);
    this.cause = cause;
    this.credential = request.set.name;
    this.reason = request.reason;
    this.attempts = details.attempts;
    this.secondsLeft = details.secondsLeft;
    this.notes = details.notes;
  }

  /** The secret still holds the stack's placeholder: a state, not an incident. */
  get secretNotSet(): boolean {
    return this.cause instanceof SecretNotSet;
  }

  /** The token endpoint refused the client credentials: a wrong or rotated-away secret. */
  get secretRejected(): boolean {
    return isSecretRejected(this.cause);
  }

  /** The OAuth error code of a refused token request (`http_<status>` when it sent none). */
  get code(): string | undefined {
    return failureCode(this.cause);
  }
}

/** The OAuth error code of a refused request (`http_<status>` when it sent none), else undefined. */
export function failureCode(error: unknown): string | undefined {
  if (error instanceof TokenRequestRejected) return error.oauthError ?? `http_${error.httpStatus}`;
  return undefined;
}

/** True when the token endpoint refused the client credentials themselves: a wrong or rotated-away secret. */
export function isSecretRejected(error: unknown): boolean {
  return (
    error instanceof TokenRequestRejected &&
    (error.oauthError === 'invalid_client' || error.httpStatus === 401)
  );
}

/** The failure as recorded in the state item: name, code, message and time, never more. */
export function describeFailure(error: unknown, nowMs: number): RecordedFailure {
  const code = failureCode(error);
  return {
    name: error instanceof BrokerError ? error.name : 'InternalError',
    ...(code === undefined ? {} : { code }),
    // Broker errors are written to be shown; anything else may hold internals.
    message: error instanceof BrokerError ? error.message : 'unexpected error; see the refresher logs',
    at: Math.floor(nowMs / 1000),
  };
}
