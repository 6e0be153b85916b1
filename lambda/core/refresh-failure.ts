/**
 * How a refresh ends when it stores nothing: {@link RefreshFailure}, and the rules that
 * describe a failure for the metrics (code, secret rejected), for the refresher's choice
 * to throw or answer (retryable) and for the state item (describeFailure).
 */
import { OTHER_OAUTH_ERROR_CODE, type RetryTicket, refusalCode } from '../../contract/index.js';
import { BrokerError, SecretNotSet, TokenRequestRejected } from './errors.js';
import type { RecordedFailure } from './ports.js';
import type { RefreshRequest } from './refresh-request.js';

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
  | { readonly kind: 'remaining-unknown'; readonly error: unknown }
  /** AWSCURRENT was rejected and AWSPREVIOUS could not be read or was not accepted either. */
  | { readonly kind: 'fallback-failed'; readonly error: unknown }
  /**
   * A retry run could not take its run in the state item (`StateStore.startRetry` failed) and
   * ran anyway: if that write is denied for good, every delivery runs (no single flight).
   */
  | { readonly kind: 'run-not-taken'; readonly error: unknown };

/**
 * What the retry chain did after a failure: `scheduled` (this failure holds the chain and
 * sent its next retry), `pending` (another chain already holds the set), `not-scheduled`
 * (claiming or sending failed; a lost lease is taken over after its grace) or `ended` (the
 * failure is not retryable: no retry).
 */
export type RetryOutcome =
  | ({ readonly kind: 'scheduled'; readonly delaySeconds: number } & RetryTicket)
  | { readonly kind: 'pending' }
  | { readonly kind: 'not-scheduled'; readonly error: unknown }
  | { readonly kind: 'ended' };

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
  /** What the retry chain did about this failure, once it was asked (lambda/core/retry-chain.ts). */
  retry?: RetryOutcome;

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

  /** The OAuth error code of a refused token request (`other`, `http_<status>`: contract/oauth-errors.ts). */
  get code(): string | undefined {
    return failureCode(this.cause);
  }

  /** Whether retrying the same refresh may help (see {@link isRetryable}). */
  get retryable(): boolean {
    return isRetryable(this.cause);
  }
}

/**
 * The code of a refused request (a known OAuth code, `other` or `http_<status>`: the rule of
 * contract/oauth-errors.ts), else undefined.
 */
export function failureCode(error: unknown): string | undefined {
  if (error instanceof TokenRequestRejected) return refusalCode(error.httpStatus, error.oauthError);
  return undefined;
}

/**
 * Whether a refresh that failed with `error` may succeed when run again: a broker error says
 * so itself (throttling, outages: yes; a refused secret, a malformed answer, a missing
 * permission: no). Anything else is a bug or unknown, and is retried as it always was.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof BrokerError ? error.retryable : true;
}

/** True when the token endpoint refused the client credentials themselves: a wrong or rotated-away secret. */
export function isSecretRejected(error: unknown): boolean {
  if (!(error instanceof TokenRequestRejected)) return false;
  // RFC 6749 section 5.2: invalid_client may come with 400 as well as 401 (decision 32). A 401
  // without a known code says the same; a 401 naming another code (unauthorized_client, say)
  // refuses something else, and must not make the refresh fall back to AWSPREVIOUS.
  if (error.oauthError === 'invalid_client') return true;
  return (
    error.httpStatus === 401 &&
    (error.oauthError === undefined || error.oauthError === OTHER_OAUTH_ERROR_CODE)
  );
}

/**
 * True when the endpoint named the client credentials as the problem (`invalid_client`, at
 * any status): the only refusal that makes a refresh try the AWSPREVIOUS pair (decision 31).
 * Narrower than {@link isSecretRejected}: a bare 401 (a gateway or WAF page, an unknown code)
 * counts as a rejected secret for the alarm, but is no reason to send a retired secret.
 */
export function mayFallBackToPrevious(error: unknown): boolean {
  return error instanceof TokenRequestRejected && error.oauthError === 'invalid_client';
}

/** The failure as recorded in the state item: name, code, message, time and retryable, never more. */
export function describeFailure(error: unknown, nowMs: number): RecordedFailure {
  const code = failureCode(error);
  return {
    name: error instanceof BrokerError ? error.name : 'InternalError',
    ...(code === undefined ? {} : { code }),
    // Broker errors are written to be shown; anything else may hold internals.
    message: error instanceof BrokerError ? error.message : 'unexpected error; see the refresher logs',
    at: Math.floor(nowMs / 1000),
    retryable: isRetryable(error),
  };
}
