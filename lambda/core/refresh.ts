/**
 * The refresh use case: read the secret, get a token, validate it, store it if it is the
 * newest, and record the outcome in the set's state item. It returns a
 * {@link RefreshReport} or throws a {@link RefreshFailure}; the runner (the refresher
 * Lambda, the local broker) turns either into log lines and metrics. Any failure leaves
 * the stored token as it was.
 */
import { RETRY_CHAIN } from '../../contract/index.js';
import { type BrokerError, CredentialSetMisconfigured } from './errors.js';
import type {
  ClientCredentials,
  CredentialSource,
  PutResult,
  SecretInUse,
  StateStore,
  TokenEndpoint,
  TokenStore,
} from './ports.js';
import { redactError, sensitiveForms } from './redaction.js';
import {
  describeFailure,
  failureCode,
  mayFallBackToPrevious,
  RefreshFailure,
  type RefreshNote,
} from './refresh-failure.js';
import type { RefreshRequest } from './refresh-request.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryRuntime, withRetry } from './retry.js';
import { secondsRemaining, tooShortForSchedule, validateTokenResponse } from './token-rules.js';

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
  /**
   * The schedule's interval, when known: a token that would not outlive the next run by
   * the default validity is reported `lifetimeTooShort`. Unset, no token is.
   */
  readonly refreshIntervalSeconds?: number;
}

// Where the refresher, the local broker and the tests have always found them.
export {
  describeFailure,
  failureCode,
  isRetryable,
  isSecretRejected,
  RefreshFailure,
  type RefreshNote,
} from './refresh-failure.js';

/** What a refresh did; carries no token. */
export interface RefreshReport {
  readonly credential: string;
  readonly reason: RefreshRequest['reason'];
  /** `superseded`: a newer token was already stored (see `mayReplace`), so this one was dropped. */
  readonly outcome: PutResult;
  /** Epoch seconds when the stored token (the one written, or the newer one kept) expires. */
  readonly expiresAt: number;
  /** Epoch seconds (fractional, millisecond precision) when the stored token's request was sent. */
  readonly fetchedAt: number;
  /** Token endpoint attempts made. */
  readonly attempts: number;
  /** Seconds of validity the stored token has now: what the "nearing expiry" alarm watches. */
  readonly secondsLeft: number;
  /**
   * The token fetched will not outlive the next scheduled run by the default validity
   * (see {@link RefreshDependencies.refreshIntervalSeconds}): the endpoint shortened its
   * tokens. Readers' self-healing replaces it once it runs low; the runner counts it.
   */
  readonly lifetimeTooShort: boolean;
  /** What happened on the way (retries, recording problems), in order. */
  readonly notes: readonly RefreshNote[];
  /** The secret version the stored token was fetched with (stage, version ids; never a value). */
  readonly secret: SecretInUse;
  /**
   * Set when the token endpoint rejected AWSCURRENT and the token came from AWSPREVIOUS: the
   * refusal's code (`invalid_client`, `http_401`). The runner still counts SecretRejected.
   */
  readonly rejectedCode?: string;
}

/** Default per-attempt timeout of the token request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Refreshes the token of one credential set and records the outcome.
 *
 * The secret is read on every call (no caching) so a rotation takes effect on the next
 * refresh. Retryable endpoint failures (429, 5xx, timeouts, network) and store
 * throttling are retried with full-jitter backoff until `deadlineMs`; refusals (400/401)
 * and malformed responses are not. A retry run of the retry chain (`request.retry`) sends
 * one token request. When the endpoint rejects the AWSCURRENT pair as `invalid_client` and
 * the source has a different AWSPREVIOUS pair, that pair is tried once; its token is stored
 * and the report carries `rejectedCode` (docs/design.md, A rejected AWSCURRENT).
 *
 * @throws RefreshFailure whose `cause` is SecretUnavailable | SecretInvalid | SecretNotSet
 *   | TokenRequestRejected | TokenEndpointUnavailable | TokenResponseInvalid | TokenStoreError
 *   | CredentialSetMisconfigured (the set is `unusable`);
 *   nothing has been written in any of those cases.
 * @example
 * const report = await refresh(parseRefreshRequest(event, sets), deps, { deadlineMs });
 */
export async function refresh(
  request: RefreshRequest,
  deps: RefreshDependencies,
  options: {
    readonly deadlineMs: number;
    /** What happened before the refresh started (the retry chain's), reported first. */
    readonly notes?: readonly RefreshNote[];
  },
): Promise<RefreshReport> {
  const { set } = request;
  const notes: RefreshNote[] = [...(options.notes ?? [])];
  const progress: Progress = { attempts: 0, redact: [] };
  try {
    // Its parameter is bad: recorded and reported as this set's failure, nothing requested.
    if (set.unusable) throw new CredentialSetMisconfigured(set.name, set.unusable.message);
    const { secret, rejectedCode, ...stored } = await fetchAndStore(
      request,
      deps,
      options.deadlineMs,
      notes,
      progress,
    );
    await deps.state
      .recordSuccess(set.name, Math.floor(deps.clock.now() / 1000), secret)
      .catch((error: unknown) => notes.push({ kind: 'record-failed', error }));
    redactNotes(notes, progress.redact);
    return {
      credential: set.name,
      reason: request.reason,
      ...stored,
      attempts: progress.attempts,
      secondsLeft: secondsRemaining(stored, deps.clock.now()),
      notes,
      secret,
      ...(rejectedCode === undefined ? {} : { rejectedCode }),
    };
  } catch (error) {
    // Before anything is recorded or thrown: the message goes to the state item and the logs.
    redactError(error, progress.redact);
    await deps.state
      .recordFailure(set.name, describeFailure(error, deps.clock.now()))
      .catch((recordError: unknown) => notes.push({ kind: 'record-failed', error: recordError }));
    const secondsLeft = await remainingValidity(set.name, deps, notes);
    redactNotes(notes, progress.redact);
    throw new RefreshFailure(request, error, { attempts: progress.attempts, secondsLeft, notes });
  }
}

/** What a refresh has done so far, kept across its failure. */
interface Progress {
  /** Token endpoint attempts made. */
  attempts: number;
  /** The forms of the client credentials, once read: redacted from everything emitted. */
  redact: readonly string[];
}

function redactNotes(notes: readonly RefreshNote[], forms: readonly string[]): void {
  for (const note of notes) redactError(note.error, forms);
}

/** The three steps, each retried on its own: a store retry never fetches a second token. */
async function fetchAndStore(
  { set, retry: ticket }: RefreshRequest,
  deps: RefreshDependencies,
  deadlineMs: number,
  notes: RefreshNote[],
  progress: Progress,
): Promise<{
  outcome: PutResult;
  expiresAt: number;
  fetchedAt: number;
  lifetimeTooShort: boolean;
  secret: SecretInUse;
  rejectedCode?: string;
}> {
  const timeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const retry = {
    policy: deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
    runtime: deps,
    deadlineMs,
    onRetry: (info: { attempt: number; delayMs: number; error: BrokerError }) =>
      notes.push({ kind: 'retry', ...info }),
  };
  // When the read that succeeded started: the write is ordered by it (see mayReplace), the
  // earliest moment the value read could date from, so a read that began before a rotation
  // never counts as newer than one that began after it.
  let secretReadAtMs = 0;
  const { value: current } = await withRetry(() => {
    secretReadAtMs = deps.clock.now();
    return deps.credentials.getCredentials(set);
  }, retry);
  progress.redact = sensitiveForms(current);

  /** One token request with `pair`, validated. */
  const requestWith = async (pair: ClientCredentials) => {
    progress.attempts++;
    // Expiry counts from when the request left, so a slow answer can only shorten it.
    const sentAtMs = deps.clock.now();
    const response = await deps.endpoint.requestToken({
      credential: set.name,
      tokenUrl: set.tokenUrl,
      clientAuth: set.clientAuth,
      clientId: pair.clientId,
      clientSecret: pair.clientSecret,
      timeoutMs: Math.max(1, Math.min(timeoutMs, deadlineMs - sentAtMs)),
      ...(set.scope === undefined ? {} : { scope: set.scope }),
    });
    return { token: validateTokenResponse(set.name, response.body, sentAtMs), sentAtMs };
  };
  // A retry run of the chain makes one request: the chain is its retry (RETRY_CHAIN).
  const tokenRetry =
    ticket === undefined
      ? retry
      : { ...retry, policy: { ...retry.policy, maxAttempts: RETRY_CHAIN.tokenAttemptsPerRun } };
  let secret: SecretInUse = { stage: 'AWSCURRENT', ...versionOf(current) };
  let rejectedCode: string | undefined;
  let fetched: Awaited<ReturnType<typeof requestWith>>;
  try {
    ({ value: fetched } = await withRetry(() => requestWith(current), tokenRetry));
  } catch (error) {
    const fallback = mayFallBackToPrevious(error)
      ? await previousPair(set, deps, current, notes, progress)
      : undefined;
    if (!fallback) throw error;
    try {
      // Once, without retries: the endpoint answered a moment ago (decision 31).
      fetched = await requestWith(fallback.pair);
      secretReadAtMs = fallback.readAtMs;
    } catch (fallbackError) {
      notes.push({ kind: 'fallback-failed', error: fallbackError });
      throw error;
    }
    rejectedCode = failureCode(error);
    secret = {
      stage: 'AWSPREVIOUS',
      ...versionOf(fallback.pair),
      ...(current.versionId === undefined ? {} : { rejectedVersionId: current.versionId }),
    };
  }

  const { token } = fetched;
  const fetchedAt = fetched.sentAtMs / 1000;
  const { value: put } = await withRetry(
    () =>
      deps.store.put(
        {
          credential: set.name,
          accessToken: token.accessToken,
          tokenType: 'Bearer',
          expiresAt: token.expiresAt,
          fetchedAt,
          secretReadAt: secretReadAtMs / 1000,
          ...(token.scope === undefined ? {} : { scope: token.scope }),
        },
        deps.clock.now(),
      ),
    retry,
  );
  const interval = deps.refreshIntervalSeconds;
  const lifetimeTooShort = interval !== undefined && tooShortForSchedule(token, fetched.sentAtMs, interval);
  // Superseded: what callers get is the token kept, so that is what is reported (the alarms
  // watch it); the dropped token's full lifetime would hide a kept one running out.
  const stored = put.kept ?? { expiresAt: token.expiresAt, fetchedAt };
  return {
    outcome: put.result,
    expiresAt: stored.expiresAt,
    fetchedAt: stored.fetchedAt,
    lifetimeTooShort,
    secret,
    ...(rejectedCode === undefined ? {} : { rejectedCode }),
  };
}

const versionOf = (pair: ClientCredentials) =>
  pair.versionId === undefined ? {} : { versionId: pair.versionId };

/**
 * The AWSPREVIOUS pair to try once after AWSCURRENT was rejected, or undefined: the source
 * has no versions or no previous one, it is the same version, or it cannot be read (noted).
 * Its forms join the redaction list before it is used; `readAtMs` orders its token's write.
 */
async function previousPair(
  set: RefreshRequest['set'],
  deps: RefreshDependencies,
  current: ClientCredentials,
  notes: RefreshNote[],
  progress: Progress,
): Promise<{ pair: ClientCredentials; readAtMs: number } | undefined> {
  if (!deps.credentials.getPreviousCredentials) return undefined;
  let previous: ClientCredentials | undefined;
  const readAtMs = deps.clock.now();
  try {
    previous = await deps.credentials.getPreviousCredentials(set);
  } catch (error) {
    notes.push({ kind: 'fallback-failed', error });
    return undefined;
  }
  if (!previous) return undefined;
  // Longest first, as sensitiveForms orders them: a form inside a longer one goes after it.
  progress.redact = [...progress.redact, ...sensitiveForms(previous)].sort((a, b) => b.length - a.length);
  const same =
    (previous.versionId !== undefined && previous.versionId === current.versionId) ||
    (previous.clientId === current.clientId && previous.clientSecret === current.clientSecret);
  return same ? undefined : { pair: previous, readAtMs };
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
