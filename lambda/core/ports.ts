/**
 * Ports: the only ways the core talks to the outside world. Adapters implement them
 * (Secrets Manager, fetch, DynamoDB; environment and files for the local broker);
 * tests implement them in memory.
 */
import type {
  ClientAuthMethod,
  RefresherCredentialSet,
  RefreshReason,
  RetryTicket,
} from '../../contract/index.js';

/** A client_id/client_secret pair, as read from the credential's secret. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The secret version the pair was read from, when the source has versions (never a value). */
  readonly versionId?: string;
}

/** The staging labels a refresh reads client credentials under (Secrets Manager's names). */
export type SecretStage = 'AWSCURRENT' | 'AWSPREVIOUS';

/** Reads the current client credentials of a set. Never caches: rotation must take effect at once. */
export interface CredentialSource {
  /**
   * Throws {@link SecretUnavailable} when the secret cannot be read, {@link SecretInvalid}
   * when it is malformed and {@link SecretNotSet} while it holds the placeholder.
   */
  getCredentials(set: RefresherCredentialSet): Promise<ClientCredentials>;
  /**
   * The pair saved before the current one (`AWSPREVIOUS`), read only after the current one
   * was rejected (docs/design.md, "A rejected AWSCURRENT"); undefined when there is none.
   * A source without versions leaves it out: no fallback.
   * @throws the same errors as {@link getCredentials}
   */
  getPreviousCredentials?(set: RefresherCredentialSet): Promise<ClientCredentials | undefined>;
}

/** One client-credentials token request. */
export interface TokenRequest {
  /** Credential set name, for error messages only (never sent). */
  readonly credential: string;
  readonly tokenUrl: string;
  readonly clientAuth: ClientAuthMethod;
  readonly scope?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Abort the attempt after this long (headers and body). */
  readonly timeoutMs: number;
}

/** The endpoint's 2xx answer, parsed as JSON but not yet validated. */
export interface RawTokenResponse {
  /** The parsed JSON body (validated by the core, see token-rules). */
  readonly body: unknown;
}

/** The OAuth 2.0 token endpoint: one HTTP attempt per call, no retries (the core retries). */
export interface TokenEndpoint {
  /**
   * Sends one token request. Resolves with the parsed 2xx body; rejects with
   * {@link TokenRequestRejected} (do not retry), {@link TokenEndpointUnavailable}
   * (may retry) or {@link TokenResponseInvalid} (2xx that is not JSON or too large).
   */
  requestToken(request: TokenRequest): Promise<RawTokenResponse>;
}

/** The stored item, one per credential set (see docs/design.md, Stored item). */
export interface StoredToken {
  readonly credential: string;
  readonly accessToken: string;
  /** Always `Bearer`, normalised. */
  readonly tokenType: 'Bearer';
  /** Epoch seconds after which the token must not be used. */
  readonly expiresAt: number;
  /** Epoch seconds (fractional) at which the token request was sent; breaks ties of `secretReadAt`. */
  readonly fetchedAt: number;
  /**
   * Epoch seconds (fractional) at which the refresh that fetched the token started reading
   * the secret: orders writes, so a refresh holding the secret from before a rotation
   * never overwrites a token fetched with the rotated one, however late it was sent.
   * Absent on items written before it existed; those are ordered by `fetchedAt`.
   */
  readonly secretReadAt?: number;
  readonly scope?: string;
}

/** Outcome of a conditional write. */
export type PutResult = 'written' | 'superseded';

/** What a conditional write did. */
export interface PutOutcome {
  readonly result: PutResult;
  /**
   * With `superseded`: the item that stayed and blocked the write (a newer token), when the
   * store could tell; the refresh reports its expiry, not the dropped token's.
   */
  readonly kept?: StoredToken;
}

/**
 * Options of a store call made on a caller's behalf. `signal` aborts the call (and the
 * SDK's retries) once the caller's deadline passes: the reader must answer before its
 * Lambda timeout, whatever DynamoDB does.
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Where tokens are kept between refreshes. */
export interface TokenStore {
  /** The stored item, or undefined when there is none (expired items may still be returned). */
  get(credential: string, options?: CallOptions): Promise<StoredToken | undefined>;
  /**
   * Writes the item unless the stored one is newer (`mayReplace` in token-rules: by
   * `secretReadAt`, then `fetchedAt`); an item that cannot be right (expired, future-dated,
   * malformed) is always replaced. Resolves `superseded` when a newer token stays (not an
   * error: the newer token wins).
   * @param nowMs the writer's clock, against which expired and future-dated items are judged.
   */
  put(token: StoredToken, nowMs: number): Promise<PutOutcome>;
}

/** The last failed refresh of a credential set, as recorded for the status answer. */
export interface RecordedFailure {
  /** Error name (`TokenRequestRejected`, `SecretInvalid`, ...). */
  readonly name: string;
  /** OAuth error code or HTTP status (`invalid_client`, `http_503`), when the endpoint gave one. */
  readonly code?: string;
  /**
   * The error message: names the credential and what to do, never a secret or token.
   * Stores keep its first {@link RECORDED_MESSAGE_MAX_CHARS} characters.
   */
  readonly message: string;
  /** Epoch seconds. */
  readonly at: number;
  /**
   * Whether the same refresh may succeed when retried (throttling, an outage) or not (a
   * refused secret, a malformed response, missing permissions): readers do not ask for a
   * refresh while the last failure is not retryable. Absent on failures recorded before
   * the field existed; treat those as retryable, as they were treated then.
   */
  readonly retryable?: boolean;
}

/** Characters of a {@link RecordedFailure} message a state store keeps (docs/design.md, State item). */
export const RECORDED_MESSAGE_MAX_CHARS = 1_000;

/**
 * Which secret version the stored token came from, recorded with each success: stage and
 * version ids only, never a value. `rejectedVersionId` is the AWSCURRENT version the token
 * endpoint refused when the token came from AWSPREVIOUS instead.
 */
export interface SecretInUse {
  readonly stage: SecretStage;
  readonly versionId?: string;
  readonly rejectedVersionId?: string;
}

/** The retry chain's lease as the state item holds it. */
export interface PendingRetry extends RetryTicket {
  /**
   * Epoch seconds until which one delivery of this retry's message holds its run
   * ({@link StateStore.startRetry}); absent before a delivery took it.
   */
  readonly runUntil?: number;
}

/** What is recorded about a credential set besides its token (a separate item: never touches the token). */
export interface CredentialState {
  readonly lastFailure?: RecordedFailure;
  /** Epoch seconds of the last successful refresh. */
  readonly lastSuccessAt?: number;
  /** Epoch seconds when a reader last asked the refresher for a refresh. */
  readonly refreshRequestedAt?: number;
  /** The retry chain's lease: the one retry pending for the set (docs/design.md, Retry until recovered). */
  readonly pendingRetry?: PendingRetry;
  /** The secret version of the last success; absent before the first one that recorded it. */
  readonly secret?: SecretInUse;
}

/**
 * Who makes a write of the retry lease (`StateStore.claimRetry`, `startRetry`): DynamoDB can
 * apply a conditional write whose answer is lost (a timeout, a reset socket); the SDK then
 * sends it again, and the repeat's condition fails on the value the first wrote. The owner
 * written with the value tells that repeat from another caller's write, so a lost answer
 * does not stop the chain (docs/design.md, decision 44).
 */
export interface RetryWrite {
  /** A new random id per claim or run (`crypto.randomUUID()`); never a secret. */
  readonly owner: string;
}

/** Records refresh outcomes and self-healing requests. */
export interface StateStore {
  /** The recorded state; an empty object when nothing was recorded. */
  get(credential: string, options?: CallOptions): Promise<CredentialState>;
  /** Records a failure; one that is not retryable also ends the set's retry chain (removes its lease). */
  recordFailure(credential: string, failure: RecordedFailure): Promise<void>;
  /**
   * Records a success, and the secret version it used when given; ends the set's retry
   * chain (removes its lease).
   */
  recordSuccess(credential: string, atSeconds: number, secret?: SecretInUse): Promise<void>;
  /**
   * Takes the set's retry lease for `ticket`: true when no lease exists, when the lease's
   * `dueAt` is before `staleBeforeSeconds` (lost), or when it is `heldDueAt` (the retry run
   * holding the chain extends it); false when another chain holds it. A new lease has no
   * run held ({@link PendingRetry.runUntil}). Atomic across callers.
   *
   * `owner` (a new random id per claim) is written with the lease: a write the store made
   * whose answer was lost, and which its client sent again, answers true as the first
   * would have (the repeat's condition fails on our own lease). See {@link RetryWrite}.
   */
  claimRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly heldDueAt?: number; readonly staleBeforeSeconds: number },
  ): Promise<boolean>;
  /**
   * Gives the set's retry lease up while it is still `dueAt` (the retry's message could not
   * be sent), so the next failure starts a chain at once instead of after the lease's grace.
   * A lease that is no longer `dueAt` belongs to another chain and is left alone. The
   * released `dueAt` is remembered until a new lease is taken or the chain ends: a send that
   * failed after SQS accepted the message still delivers it, and that delivery may take the
   * run ({@link startRetry}). Atomic across callers.
   */
  releaseRetry(credential: string, dueAt: number): Promise<void>;
  /**
   * Takes the run of retry `ticket` for one delivery of its message: true when the lease is
   * still `ticket.dueAt` and no other delivery holds the run (none took it, or its hold ended
   * before `atSeconds`), or when no lease exists and `ticket.dueAt` is the one last released
   * (its send failed after SQS accepted it: the lease is taken back); it holds the run until
   * `untilSeconds`. False for a duplicate delivery and for a chain that ended or moved on.
   * Atomic across callers, so of two deliveries of one message at the same moment only one
   * requests a token. `owner` (a new random id
   * per run) is written with the hold, as with {@link claimRetry}: a repeat of this call
   * with the same owner answers true while the hold is still its own.
   */
  startRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly atSeconds: number; readonly untilSeconds: number },
  ): Promise<boolean>;
  /**
   * Claims the right to ask for a refresh: true when no request was recorded since
   * `notBeforeSeconds` (and records `atSeconds`), false when another caller already asked.
   * Atomic across all callers.
   */
  claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
    options?: CallOptions,
  ): Promise<boolean>;
}

/**
 * Asks the refresher, asynchronously, to refresh a credential set: the reader's
 * self-healing, once it has won the refresh claim ({@link StateStore.claimRefreshRequest}).
 */
export interface RefreshTrigger {
  trigger(credential: string, reason: RefreshReason, options?: CallOptions): Promise<void>;
}

/**
 * Delivers a set's next retry run (the refresher's retry chain): SQS with a per-message
 * delay in AWS, a timer in the local broker. One call, one run; the lease
 * ({@link StateStore.claimRetry}) decides whether to call.
 */
export interface RetryQueue {
  /** Arranges one refresh `{credential, reason: "retry", retry: ticket}` in `delaySeconds`. */
  enqueue(credential: string, ticket: RetryTicket, delaySeconds: number): Promise<void>;
}

/** Time source, injected so expiry rules are tested without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Time and chance as the runtime gives them: the clock, a real sleep, Math.random. */
export const systemRuntime = {
  clock: systemClock,
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
} as const;
