/**
 * The read side, as one object built from its ports: validate a caller's request, answer
 * the status or serve the stored token when it has enough validity left (from a short
 * in-memory cache when possible), and when none can be served, claim the right to ask the
 * refresher for one (self-healing) before answering TokenUnavailable. The reader Lambda
 * and the local broker both serve through it, behind the reader face middleware.
 *
 * No caller can raise token-endpoint traffic through it: it asks for a refresh only when
 * that could help (./read-miss.ts), and reads the store again for a request its cached
 * item cannot serve at most once per Retry-After.
 */
import {
  READER_CACHE_SECONDS,
  REFRESH_REQUEST_INTERVAL_SECONDS,
  type RefreshReason,
  TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS,
  type TokenView,
} from '../../contract/index.js';
import { withinDeadline } from './deadline.js';
import type { CallOptions, Clock, RefreshTrigger, StateStore, StoredToken, TokenStore } from './ports.js';
import { type ClaimResult, finalFailureOf, pointlessRefresh, readMiss, rejectedAgain } from './read-miss.js';
import { parseReaderRequest, type ReadRequest } from './read-request.js';
import { type BrokerStatus, readStatus } from './status.js';
import { rejectedTokenHashOf } from './token-hash.js';
import { hasValidityLeft, secondsRemaining } from './token-rules.js';

/** What callers receive for a token request: the contract's success body. */
export type { TokenView } from '../../contract/index.js';

/** Options of {@link Reader}. */
export interface ReaderOptions {
  readonly store: TokenStore;
  /** Read for the status answer; holds the refresh claim. */
  readonly state: StateStore;
  readonly clock: Clock;
  /** In configuration order; the first is the default. */
  readonly credentialNames: readonly string[];
  /**
   * How long an item read from the store is reused without reading it again.
   * Kept well under the refresh interval so a new token is picked up soon.
   * @default READER_CACHE_SECONDS.default
   */
  readonly cacheSeconds?: number;
  /** Asks the refresher for a token after a miss; self-healing is off without it. */
  readonly trigger?: RefreshTrigger | undefined;
  /**
   * At most one refresh claim per credential set in this many seconds, and none while the
   * stored token is younger than that. @default REFRESH_REQUEST_INTERVAL_SECONDS (60)
   */
  readonly claimIntervalSeconds?: number;
}

/** Options of one {@link Reader.serve} call. */
export interface ServeOptions {
  /**
   * Aborts the store, state and refresher calls of this request once its deadline passes
   * (the reader Lambda's remaining time minus a margin); the request then fails with a
   * TokenStoreError instead of outliving the function.
   */
  readonly signal?: AbortSignal;
}

/**
 * Answers reader requests. One instance per Lambda container (or local broker): it holds
 * the in-memory cache and shares one store read among concurrent callers.
 *
 * @example
 * ```ts
 * const reader = new Reader({ store, state, clock, credentialNames: ['sandbox'], trigger });
 * const token = await reader.serve({ credential: 'sandbox' }); // TokenView
 * ```
 */
export class Reader {
  readonly #options: ReaderOptions;
  readonly #cacheMs: number;
  /** How long a store read stands for a request it could not serve (see {@link Reader.serve}). */
  readonly #recheckMs: number;
  readonly #claimIntervalSeconds: number;
  /** The last store read per set; `token` undefined when the store had none. */
  readonly #cache = new Map<string, { token: StoredToken | undefined; readAtMs: number }>();
  readonly #inFlight = new Map<string, Promise<StoredToken | undefined>>();
  /** The last claim this instance made at the state item, per set. */
  readonly #claims = new Map<string, { atMs: number; result: ClaimResult }>();

  constructor(options: ReaderOptions) {
    this.#options = options;
    this.#cacheMs = (options.cacheSeconds ?? READER_CACHE_SECONDS.default) * 1000;
    // Callers are told to come back after Retry-After, so an item read less than that ago
    // is as current as a new read for them (reads are eventually consistent anyway).
    this.#recheckMs = Math.min(this.#cacheMs, TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS * 1000);
    this.#claimIntervalSeconds = options.claimIntervalSeconds ?? REFRESH_REQUEST_INTERVAL_SECONDS;
  }

  /**
   * The token view for a token request, the status answer for `{action: 'status'}`.
   *
   * A token is served from memory while its item is younger than `cacheSeconds` and has
   * more than `minValiditySeconds` left; otherwise the store is read, unless it was read
   * less than Retry-After (2 s) ago: a request the cached item cannot serve is then
   * refused from memory, so no rate of such requests turns into a rate of store reads. A
   * request with `rejectedTokenHash` skips the cache (the store may hold the rejected
   * token's successor) and is never served the token with that hash.
   *
   * @throws BadRequest, UnknownCredential, TokenUnavailable (after the refresh claim, whose
   *   outcome it carries), TokenStoreError (also when `options.signal` aborts first)
   */
  async serve(payload: unknown, options: ServeOptions = {}): Promise<TokenView | BrokerStatus> {
    const { credentialNames, store, state, clock } = this.#options;
    const parsed = parseReaderRequest(payload, credentialNames);
    if (parsed.action === 'status') {
      return readStatus(credentialNames, { store, state, clock }, options);
    }
    return this.#read(parsed.request, options.signal);
  }

  /** The token for `request.credential` with more than `minValiditySeconds` left. */
  async #read(request: ReadRequest, signal: AbortSignal | undefined): Promise<TokenView> {
    const { credential, minValiditySeconds, rejectedTokenHash } = request;
    const { clock } = this.#options;
    const isRejected = (token: StoredToken) =>
      rejectedTokenHash !== undefined && rejectedTokenHashOf(token.accessToken) === rejectedTokenHash;
    const serves = (token: StoredToken, atMs: number) =>
      hasValidityLeft(token, atMs, minValiditySeconds) && !isRejected(token);

    const nowMs = clock.now();
    const cached = this.#cache.get(credential);
    // The validity check runs on every serve, so a cached item is never served past
    // expiresAt - minValiditySeconds, whatever the cache age.
    if (
      cached?.token &&
      rejectedTokenHash === undefined &&
      nowMs - cached.readAtMs < this.#cacheMs &&
      serves(cached.token, nowMs)
    ) {
      return view(cached.token, nowMs);
    }

    let token: StoredToken | undefined;
    let atMs: number;
    if (cached && nowMs - cached.readAtMs < this.#recheckMs) {
      ({ token } = cached);
      atMs = nowMs;
    } else {
      token = await this.#load(credential, signal);
      atMs = clock.now();
      this.#cache.set(credential, { token, readAtMs: atMs });
    }
    if (token && serves(token, atMs)) return view(token, atMs);

    const rejected = token !== undefined && isRejected(token);
    const result = await this.#claimRefresh(request, token, rejected, atMs, signal);
    throw readMiss(request, { token, rejected, atMs }, result, this.#claimIntervalSeconds);
  }

  /**
   * One store read per credential at a time; concurrent callers share it. The read gets
   * the signal of the caller that started it; every caller stops waiting at its own.
   */
  #load(credential: string, signal: AbortSignal | undefined): Promise<StoredToken | undefined> {
    let pending = this.#inFlight.get(credential);
    if (!pending) {
      pending = this.#options.store
        .get(credential, callOptions(signal))
        .finally(() => this.#inFlight.delete(credential));
      this.#inFlight.set(credential, pending);
    }
    return withinDeadline(pending, signal, credential, 'GetItem of the token item');
  }

  /**
   * Self-healing: ask the refresher for a token, at most once per interval per credential
   * across every reader instance (claimed atomically in the state item), so a burst of
   * failing reads makes one refresh. Awaited, because a frozen Lambda would drop the
   * request; never fails the read it came from. The reader never sees the secret.
   *
   * Not asked when it could not help: a token as long-lived as the stored one could not
   * serve the validity asked for, the stored token is younger than the claim interval, or
   * the last refresh failed in a way a retry cannot fix (newer than the last success:
   * a new secret version lifts it, its rotation event invokes the refresher directly). A
   * caller reporting the stored token as rejected skips the first two (a new token is
   * what it needs, whatever the stored one's age) unless the token was itself fetched in
   * answer to a request made less than REJECTED_AGAIN_INTERVAL_SECONDS ago: a rejected
   * token is replaced once, not once a minute. The state item is consulted at most once
   * per Retry-After by this instance, and not at all within the claim interval after its
   * own successful claim or a failure a retry cannot fix.
   */
  async #claimRefresh(
    request: ReadRequest,
    token: StoredToken | undefined,
    rejected: boolean,
    nowMs: number,
    signal: AbortSignal | undefined,
  ): Promise<ClaimResult> {
    const { credential, minValiditySeconds } = request;
    if (!this.#options.trigger) return { claim: { outcome: 'off' } };
    if (token && !rejected) {
      const why = pointlessRefresh(token, minValiditySeconds, nowMs, this.#claimIntervalSeconds);
      if (why) return { claim: { outcome: 'withheld', why } };
    }

    const intervalMs = this.#claimIntervalSeconds * 1000;
    const previous = this.#claims.get(credential);
    if (previous) {
      const age = nowMs - previous.atMs;
      const { claim } = previous.result;
      if (claim.outcome === 'requested') {
        if (age < intervalMs) return { claim: { outcome: 'already-requested' } };
      } else if (age < this.#recheckMs) {
        return previous.result;
      } else if (
        claim.outcome === 'withheld' &&
        claim.why === 'last-failure-not-retryable' &&
        age < intervalMs
      ) {
        // A failure only a new outcome lifts: the rotation's refresh records it, and its new
        // token is read from the store as usual; the state item can wait for the interval.
        return previous.result;
      }
    }
    const report = rejected && token ? { rejected: token } : undefined;
    const result = await this.#claimAtState(credential, report, nowMs, signal);
    // A concurrent caller's `already-requested` must not hide this instance's own claim.
    const latest = this.#claims.get(credential);
    const keepLatest =
      latest?.result.claim.outcome === 'requested' &&
      nowMs - latest.atMs < intervalMs &&
      result.claim.outcome !== 'requested';
    if (!keepLatest) this.#claims.set(credential, { atMs: nowMs, result });
    return result;
  }

  /** The claim at the state item; `report.rejected` is the stored token a caller reported rejected. */
  async #claimAtState(
    credential: string,
    report: { readonly rejected: StoredToken } | undefined,
    nowMs: number,
    signal: AbortSignal | undefined,
  ): Promise<ClaimResult> {
    const { trigger, state } = this.#options;
    if (!trigger) return { claim: { outcome: 'off' } };
    const options = callOptions(signal);
    try {
      const recorded = await withinDeadline(
        state.get(credential, options),
        signal,
        credential,
        'GetItem of the state item',
      );
      const finalFailure = finalFailureOf(recorded);
      if (finalFailure) {
        return { claim: { outcome: 'withheld', why: 'last-failure-not-retryable' }, finalFailure };
      }
      if (report && rejectedAgain(recorded, report.rejected, nowMs)) {
        return { claim: { outcome: 'withheld', why: 'rejected-again' } };
      }
      const reason: RefreshReason = report ? 'rejected-token' : 'read-miss';
      const now = Math.floor(nowMs / 1000);
      const claimed = await withinDeadline(
        state.claimRefreshRequest(credential, now, now - this.#claimIntervalSeconds, options),
        signal,
        credential,
        'UpdateItem of the state item',
      );
      if (!claimed) return { claim: { outcome: 'already-requested' } };
      await withinDeadline(
        trigger.trigger(credential, reason, options),
        signal,
        credential,
        'Invoke of the refresher',
      );
      return { claim: { outcome: 'requested' } };
    } catch (error) {
      return { claim: { outcome: 'failed', error } };
    }
  }
}

/** A call's options carrying `signal`, if there is one. */
function callOptions(signal: AbortSignal | undefined): CallOptions | undefined {
  return signal ? { signal } : undefined;
}

function view(token: StoredToken, nowMs: number): TokenView {
  return {
    credential: token.credential,
    accessToken: token.accessToken,
    tokenType: 'Bearer',
    expiresAt: new Date(token.expiresAt * 1000).toISOString(),
    expiresIn: secondsRemaining(token, nowMs),
  };
}
