/**
 * The read side, as one object built from its ports: validate a caller's request, answer
 * the status or serve the stored token when it has enough validity left (from a short
 * in-memory cache when possible), and when none can be served, claim the right to ask the
 * refresher for one (self-healing) before answering TokenUnavailable. The reader Lambda
 * and the local broker both serve through it, behind the reader face middleware.
 */
import { READER_CACHE_SECONDS, REFRESH_REQUEST_INTERVAL_SECONDS } from '../../contract/index.js';
import { type RefreshClaim, TokenUnavailable } from './errors.js';
import type { Clock, RefreshTrigger, StateStore, StoredToken, TokenStore } from './ports.js';
import { parseReaderRequest, type ReadRequest } from './read-request.js';
import { type BrokerStatus, readStatus } from './status.js';
import { hasValidityLeft, secondsRemaining } from './token-rules.js';

/** What callers receive for a token request (docs/design.md, Read Lambda: success body). */
export interface TokenView {
  readonly credential: string;
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** ISO-8601. */
  readonly expiresAt: string;
  /** Seconds left. */
  readonly expiresIn: number;
}

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
  /** At most one refresh claim per credential set in this many seconds. @default 60 */
  readonly claimIntervalSeconds?: number;
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
  readonly #cache = new Map<string, { token: StoredToken; readAtMs: number }>();
  readonly #inFlight = new Map<string, Promise<StoredToken | undefined>>();

  constructor(options: ReaderOptions) {
    this.#options = options;
    this.#cacheMs = (options.cacheSeconds ?? READER_CACHE_SECONDS.default) * 1000;
  }

  /**
   * The token view for a token request, the status answer for `{action: 'status'}`.
   * @throws BadRequest, UnknownCredential, TokenUnavailable (after the refresh claim, whose
   *   outcome it carries), TokenStoreError
   */
  async serve(payload: unknown): Promise<TokenView | BrokerStatus> {
    const { credentialNames, store, state, clock } = this.#options;
    const parsed = parseReaderRequest(payload, credentialNames);
    if (parsed.action === 'status') return readStatus(credentialNames, { store, state, clock });
    return this.#read(parsed.request);
  }

  /** The token for `request.credential` with more than `minValiditySeconds` left. */
  async #read(request: ReadRequest): Promise<TokenView> {
    const { credential, minValiditySeconds } = request;
    const { clock } = this.#options;
    const nowMs = clock.now();
    const cached = this.#cache.get(credential);
    // The validity check runs on every serve, so a cached item is never served past
    // expiresAt - minValiditySeconds, whatever the cache age.
    if (
      cached &&
      nowMs - cached.readAtMs < this.#cacheMs &&
      hasValidityLeft(cached.token, nowMs, minValiditySeconds)
    ) {
      return view(cached.token, nowMs);
    }

    const token = await this.#load(credential);
    const afterMs = clock.now();
    if (token) this.#cache.set(credential, { token, readAtMs: afterMs });
    if (token && hasValidityLeft(token, afterMs, minValiditySeconds)) return view(token, afterMs);
    const left = token ? secondsRemaining(token, afterMs) : undefined;
    const reason =
      left === undefined
        ? 'no token is stored yet'
        : left <= 0
          ? `the stored token expired ${-left} s ago`
          : `the stored token has ${left} s left, not more than the ${minValiditySeconds} s asked for`;
    throw new TokenUnavailable(credential, reason, { refreshClaim: await this.#claimRefresh(credential) });
  }

  /** One store read per credential at a time; concurrent callers share it. */
  #load(credential: string): Promise<StoredToken | undefined> {
    const pending = this.#inFlight.get(credential);
    if (pending) return pending;
    const load = this.#options.store.get(credential).finally(() => this.#inFlight.delete(credential));
    this.#inFlight.set(credential, load);
    return load;
  }

  /**
   * Self-healing: ask the refresher for a token, at most once per interval per credential
   * across every reader instance (claimed atomically in the state item), so a burst of
   * failing reads makes one refresh. Awaited, because a frozen Lambda would drop the
   * request; never fails the read it came from. The reader never sees the secret.
   */
  async #claimRefresh(credential: string): Promise<RefreshClaim> {
    const { trigger, state, clock } = this.#options;
    if (!trigger) return { outcome: 'off' };
    try {
      const now = Math.floor(clock.now() / 1000);
      const interval = this.#options.claimIntervalSeconds ?? REFRESH_REQUEST_INTERVAL_SECONDS;
      if (!(await state.claimRefreshRequest(credential, now, now - interval))) {
        return { outcome: 'already-requested' };
      }
      await trigger.trigger(credential, 'read-miss');
      return { outcome: 'requested' };
    } catch (error) {
      return { outcome: 'failed', error };
    }
  }
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
