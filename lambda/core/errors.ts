/**
 * One error hierarchy for the broker. Every message names the credential set and says
 * what to do; none ever contains a token, a client secret or an Authorization header.
 * `name` is the stable, machine-readable identifier (the Lambda `errorType`, the HTTP
 * `error` field); messages are for people. No class knows a transport status: the reader
 * face maps names to HTTP statuses with the contract's READER_ERROR_STATUS.
 */
import {
  OTHER_OAUTH_ERROR_CODE,
  type PassedOnOAuthError,
  TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from '../../contract/index.js';

/** Options shared by every broker error. */
export interface BrokerErrorOptions {
  /** The lower-level error, kept for debugging; it must not carry secrets either. */
  readonly cause?: unknown;
  /** See {@link BrokerError.retryable}; defaults to false. */
  readonly retryable?: boolean;
}

/**
 * Base class of every error the broker raises on purpose. Each subclass spells its
 * `name` out: bundles are minified, so the class name itself does not survive.
 */
export abstract class BrokerError extends Error {
  /** Whether a refresh failing with this error may succeed when retried. */
  readonly retryable: boolean;

  protected constructor(message: string, options?: BrokerErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options?.retryable ?? false;
  }
}

/** The request to the reader is malformed (wrong type, bad name, out of range). */
export class BadRequest extends BrokerError {
  override readonly name = 'BadRequest';
  constructor(message: string) {
    super(message);
  }
}

/** The named credential set is not configured in this broker. */
export class UnknownCredential extends BrokerError {
  override readonly name = 'UnknownCredential';
  /**
   * @param options.reader set by the reader: a reader that serves one set is one of the
   *   broker's per-set readers, so the message says how to get access to the other set
   *   instead of naming every set.
   */
  constructor(
    readonly credential: string,
    known: readonly string[],
    options: { readonly reader?: boolean } = {},
  ) {
    super(
      options.reader && known.length === 1
        ? `credential '${credential}' is not served by this reader: it serves '${known[0]}' only; ` +
            `grant access to '${credential}' with broker.grantRead(grantee, '${credential}')`
        : `unknown credential '${credential}': this broker serves ${known.map((n) => `'${n}'`).join(', ')}`,
    );
  }
}

/**
 * What a reader did about a miss (self-healing): asked the refresher, found another reader
 * had just asked, has no refresher to ask, failed to ask (the read still answers), or did
 * not ask because a refresh could not help (`withheld`, see {@link RefreshWithheld}).
 */
export type RefreshClaim =
  | { readonly outcome: 'requested' | 'already-requested' | 'off' }
  | { readonly outcome: 'failed'; readonly error: unknown }
  | { readonly outcome: 'withheld'; readonly why: RefreshWithheld };

/**
 * Why a reader did not ask for a refresh: no token of the stored one's lifetime could serve
 * the validity asked for; the stored token is too new for another to be asked for
 * (REFRESH_REQUEST_INTERVAL_SECONDS); the last refresh failed in a way a retry cannot fix;
 * the stored token, reported rejected, replaced another one moments ago
 * (REJECTED_AGAIN_INTERVAL_SECONDS).
 */
export type RefreshWithheld =
  | 'no-token-lasts-long-enough'
  | 'token-just-fetched'
  | 'last-failure-not-retryable'
  | 'rejected-again';

/** No token is stored for the set, or the stored one has too little validity left. */
export class TokenUnavailable extends BrokerError {
  override readonly name = 'TokenUnavailable';
  /** Seconds a caller should wait before asking again: about how long a refresh takes. */
  readonly retryAfterSeconds: number;
  /** What the reader did about the miss; `off` when it was not asked to. */
  readonly refreshClaim: RefreshClaim;

  /**
   * @param options.advice what to do, when the reader knows better than the default (the
   *   refresher may not have run yet or may be failing).
   */
  constructor(
    readonly credential: string,
    reason: string,
    options: {
      readonly retryAfterSeconds?: number;
      readonly refreshClaim?: RefreshClaim;
      readonly advice?: string;
    } = {},
  ) {
    super(
      `no usable token for credential '${credential}': ${reason}; ` +
        (options.advice ??
          'the refresher may not have run yet or may be failing (check its logs and the RefreshFailed metric)'),
    );
    this.retryAfterSeconds = options.retryAfterSeconds ?? TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS;
    this.refreshClaim = options.refreshClaim ?? { outcome: 'off' };
  }
}

/** The reader's URL face was called with a method other than GET. */
export class MethodNotAllowed extends BrokerError {
  override readonly name = 'MethodNotAllowed';
  constructor(method: string) {
    super(`method ${method} is not allowed: use GET`);
  }
}

/** The reader's URL face was called on a path it does not serve. */
export class NotFound extends BrokerError {
  override readonly name = 'NotFound';
  constructor(path: string) {
    super(`no such path '${path.slice(0, 100)}': use GET /token?credential=NAME or GET /status`);
  }
}

/** Base of the errors about a credential set's client credentials secret. */
export abstract class SecretError extends BrokerError {
  constructor(
    readonly credential: string,
    readonly secretId: string,
    problem: string,
    options?: BrokerErrorOptions,
  ) {
    super(`credential '${credential}': secret ${secretId} ${problem}`, options);
  }
}

/** The client credentials secret could not be read (missing, access denied, KMS, throttled). */
export class SecretUnavailable extends SecretError {
  override readonly name = 'SecretUnavailable';
}

/** The client credentials secret was read but is not `{"client_id": "...", "client_secret": "..."}`. */
export class SecretInvalid extends SecretError {
  override readonly name = 'SecretInvalid';
}

/**
 * The secret still holds the placeholder the stack created: the operator has not set the
 * credentials yet. A state, not an incident: the refresher reports it without failing.
 */
export class SecretNotSet extends SecretError {
  override readonly name = 'SecretNotSet';
  constructor(credential: string, secretId: string) {
    super(
      credential,
      secretId,
      'still holds the placeholder the stack created; paste the client_id and client_secret A55 sent you into it (see the README, Operating)',
    );
  }
}

/** The token endpoint refused the request (HTTP 400/401/403...): retrying will not help. */
export class TokenRequestRejected extends BrokerError {
  override readonly name = 'TokenRequestRejected';
  constructor(
    readonly credential: string,
    /** HTTP status from the token endpoint. */
    readonly httpStatus: number,
    /**
     * The body's OAuth `error`, as passed on (contract/oauth-errors.ts): a known code, `other`
     * for any other value (never shown: it may echo the request), undefined when there was none.
     */
    readonly oauthError: PassedOnOAuthError | undefined,
    advice: string,
  ) {
    const code =
      oauthError === undefined
        ? ''
        : oauthError === OTHER_OAUTH_ERROR_CODE
          ? ' (an error code that is not a standard OAuth code; not shown)'
          : ` (${oauthError})`;
    super(
      `credential '${credential}': token endpoint rejected the request with HTTP ${httpStatus}${code}; ${advice}`,
    );
  }
}

/** The token endpoint could not be reached or kept failing (429, 5xx, timeout, network). */
export class TokenEndpointUnavailable extends BrokerError {
  override readonly name = 'TokenEndpointUnavailable';
  constructor(
    readonly credential: string,
    detail: string,
    /** Seconds the endpoint asked us to wait (Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
    options?: { readonly cause?: unknown },
  ) {
    super(`credential '${credential}': token endpoint unavailable: ${detail}`, {
      ...options,
      retryable: true,
    });
  }
}

/** The token endpoint answered 2xx with something that is not a valid Bearer token response. */
export class TokenResponseInvalid extends BrokerError {
  override readonly name = 'TokenResponseInvalid';
  constructor(
    readonly credential: string,
    problem: string,
  ) {
    super(
      `credential '${credential}': token endpoint sent an invalid token response: ${problem}; ` +
        'nothing was stored; check the tokenUrl points at an OAuth 2.0 token endpoint',
    );
  }
}

/** The reader could not ask the refresher for a refresh (self-healing); the read still answers. */
export class RefreshTriggerError extends BrokerError {
  override readonly name = 'RefreshTriggerError';
  constructor(
    readonly credential: string,
    detail: string,
    options?: BrokerErrorOptions,
  ) {
    super(`credential '${credential}': could not ask the refresher for a token: ${detail}`, options);
  }
}

/**
 * The refresher could not send the next retry of a set's retry chain; its lease lapses after
 * `RETRY_CHAIN.leaseGraceSeconds` and the next failure starts a new chain.
 */
export class RetryNotScheduled extends BrokerError {
  override readonly name = 'RetryNotScheduled';
  constructor(
    readonly credential: string,
    detail: string,
    options?: BrokerErrorOptions,
  ) {
    super(`credential '${credential}': could not schedule the next retry: ${detail}`, options);
  }
}

/**
 * The set's configuration cannot be used (its parameter is missing or holds a bad value:
 * `RefresherCredentialSet.unusable`); nothing was read or requested for it. Not retryable:
 * a person has to put the value back, and the set's next run after that reads it.
 */
export class CredentialSetMisconfigured extends BrokerError {
  override readonly name = 'CredentialSetMisconfigured';
  constructor(
    readonly credential: string,
    detail: string,
  ) {
    super(`credential '${credential}': its configuration cannot be used; no token was requested: ${detail}`);
  }
}

/** The token store could not be read or written. */
export class TokenStoreError extends BrokerError {
  override readonly name = 'TokenStoreError';
  constructor(
    readonly credential: string,
    detail: string,
    options?: BrokerErrorOptions,
  ) {
    super(`credential '${credential}': token store failed: ${detail}`, options);
  }
}

/** The loggable part of an error: its name and message, which never hold secrets by construction. */
export function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'UnknownError', errorMessage: 'a non-error value was thrown' };
}
