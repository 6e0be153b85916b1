/**
 * The token client consumers keep one of per process (module scope in a Lambda): it holds
 * the token in memory, shares one broker call among concurrent callers, and rides out a
 * short `TokenUnavailable` while the refresher catches up. About one broker call per
 * token lifetime per container, whatever the call rate; during an outage, at most one per
 * `Retry-After` (every caller of the client shares that one wait).
 */
import { credentialNameProblem, integerRangeProblem, MIN_VALIDITY_SECONDS } from '../contract/index.js';
import { type Clock, systemClock } from './clock.js';
import { type BrokerTargetOptions, createTransport } from './create-transport.js';
import { BadRequest, BrokerResponseInvalid, ClientConfigError, TokenUnavailable } from './errors.js';
import { rejectedTokenHash } from './rejected-token.js';
import type { BrokerToken, TokenRequest, TokenTransport } from './transports/transport.js';

/** Options of {@link TokenBrokerClient}; every one may be left out inside a connected consumer. */
export interface TokenBrokerClientOptions extends BrokerTargetOptions {
  /**
   * Credential set to ask for (the contract's `CREDENTIAL_NAME_PATTERN`).
   * @default TOKEN_BROKER_CREDENTIAL, else the broker's default (first) set
   */
  readonly credential?: string;
  /**
   * A token is served only while it has more than this many seconds left; the broker is
   * asked for one with at least as much. The reader's bounds, the contract's
   * `MIN_VALIDITY_SECONDS`: 0 to 1800 (half an A55 token's life; no fresh token could
   * serve more, so the reader refuses it as BadRequest).
   * @default 300
   */
  readonly minValiditySeconds?: number;
  /**
   * How long {@link TokenBrokerClient.getToken} keeps retrying `TokenUnavailable` (with
   * backoff, honouring `Retry-After`) before it throws it. 0 disables retries.
   * @default 5000
   */
  readonly retryDeadlineMs?: number;
  /** Time source, injected by tests. @default the system clock */
  readonly clock?: Clock;
}

/** Per-call options of {@link TokenBrokerClient.getToken}. */
export interface GetTokenOptions {
  /** Stops this caller's wait; the shared broker call itself goes on for the others. */
  readonly signal?: AbortSignal;
}

/** A token and when, by this process's clock, it stops being served. */
interface CachedToken {
  readonly token: BrokerToken;
  /** Local time of the request plus `expiresIn`: immune to clock skew with the broker. */
  readonly expiresAtMs: number;
}

/** One broker call (with its TokenUnavailable retries) and everyone waiting for it. */
interface Flight {
  /** The `rejectedTokenHash` this call sends, if any. */
  readonly rejectedHash: string | undefined;
  readonly promise: Promise<CachedToken>;
}

const BACKOFF = { baseMs: 200, maxMs: 1_000 } as const;

/**
 * Gets A55 Bearer tokens from the token broker.
 *
 * @example
 * // In a consumer Lambda wired with broker.connectLambda(fn, { credential }): no options needed.
 * const broker = new TokenBrokerClient();
 * export async function handler() {
 *   const token = await broker.getToken();
 *   // ... Authorization: `Bearer ${token}`
 * }
 * @example
 * // ECS/EC2 through the Function URL, a given credential set:
 * const broker = new TokenBrokerClient({ url: process.env.READER_URL, credential: 'production' });
 */
export class TokenBrokerClient {
  /** The credential set asked for; undefined means the broker's default. */
  readonly credential: string | undefined;
  /** Seconds of validity a served token has at least. */
  readonly minValiditySeconds: number;
  readonly #transport: TokenTransport;
  readonly #clock: Clock;
  readonly #retryDeadlineMs: number;
  #cached: CachedToken | undefined;
  #flight: Flight | undefined;
  /** Hash of the last invalidated token, until the broker has answered with a token again. */
  #rejectedHash: string | undefined;
  /**
   * No broker call before this time: the wait the last TokenUnavailable asked for
   * (Retry-After, at least the back-off). Shared by every call of this client, so an
   * outage costs one call per wait, not one per caller; it is a wait, never a cached failure.
   */
  #notBeforeMs = Number.NEGATIVE_INFINITY;

  /**
   * @throws ClientConfigError when the options (or, without a target, the environment)
   *   name no broker, name two, or hold an invalid value.
   */
  constructor(options: TokenBrokerClientOptions = {}) {
    const { transport, envCredential } = createTransport(options);
    this.#transport = transport;
    this.credential = options.credential ?? envCredential;
    const nameProblem = this.credential === undefined ? undefined : credentialNameProblem(this.credential);
    if (nameProblem) {
      throw new ClientConfigError(`credential '${this.credential?.slice(0, 70)}' ${nameProblem}`);
    }
    this.minValiditySeconds = options.minValiditySeconds ?? MIN_VALIDITY_SECONDS.default;
    const validityProblem = integerRangeProblem(
      this.minValiditySeconds,
      MIN_VALIDITY_SECONDS.min,
      MIN_VALIDITY_SECONDS.max,
    );
    if (validityProblem) {
      throw new ClientConfigError(`minValiditySeconds ${validityProblem}, got ${this.minValiditySeconds}`);
    }
    this.#retryDeadlineMs = options.retryDeadlineMs ?? 5_000;
    if (!Number.isFinite(this.#retryDeadlineMs) || this.#retryDeadlineMs < 0) {
      throw new ClientConfigError(`retryDeadlineMs must be 0 or more, got ${this.#retryDeadlineMs}`);
    }
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * A Bearer token with more than `minValiditySeconds` left: the cached one, or a fresh
   * one from the broker (one call shared by every concurrent caller).
   *
   * @throws a {@link TokenBrokerError}: `TokenUnavailable` once the retry deadline has
   *   passed (or at once, without a call, while the wait the broker asked for outlasts
   *   this call's deadline), the reader's other errors at once, transport failures at
   *   once. Every caller waiting on the failed call gets its error; a failure is never
   *   cached: the next call asks the broker again (after that wait, for TokenUnavailable).
   * @example
   * const token = await broker.getToken();
   */
  async getToken(options: GetTokenOptions = {}): Promise<string> {
    return (await this.getTokenDetails(options)).accessToken;
  }

  /**
   * Like {@link getToken}, with the whole view; `expiresIn` is counted down to now.
   * @example
   * const { accessToken, expiresAt } = await broker.getTokenDetails();
   */
  async getTokenDetails(options: GetTokenOptions = {}): Promise<BrokerToken> {
    options.signal?.throwIfAborted();
    for (;;) {
      const cached = this.#cached;
      if (cached && this.#hasValidityLeft(cached)) return this.#view(cached);
      this.#flight ??= this.#fly(this.#rejectedHash);
      const flight = this.#flight;
      if (this.#rejectedHash === undefined || flight.rejectedHash === this.#rejectedHash) {
        return this.#view(await untilAborted(flight.promise, options.signal));
      }
      // That call started before a token was rejected: its answer may be that very token.
      // Wait for it, then take what it cached or ask again saying "not this token".
      await untilAborted(
        flight.promise.then(
          () => undefined,
          () => undefined,
        ),
        options.signal,
      );
    }
  }

  /**
   * Forgets `token` if it is the cached one, so the next {@link getToken} asks the broker,
   * saying "not this token" (`rejectedTokenHash`: a SHA-256 prefix, never the token): the
   * reader then skips its cache and never answers with that token again. Call it when the
   * A55 API rejected the token (HTTP 401). Returns whether it was dropped.
   * @example
   * if (response.status === 401) broker.invalidate(token);
   */
  invalidate(token: string): boolean {
    if (this.#cached?.token.accessToken !== token) return false;
    this.#cached = undefined;
    this.#rejectedHash = rejectedTokenHash(token);
    return true;
  }

  /** Starts the one shared broker call; it closes itself when done. */
  #fly(rejectedHash: string | undefined): Flight {
    const flight: Flight = {
      rejectedHash,
      promise: this.#load(rejectedHash).finally(() => {
        if (this.#flight === flight) this.#flight = undefined;
      }),
    };
    return flight;
  }

  /** Asks the broker, retrying `TokenUnavailable` until the deadline. */
  async #load(rejectedHash: string | undefined): Promise<CachedToken> {
    const deadline = this.#clock.now() + this.#retryDeadlineMs;
    const request: TokenRequest = {
      credential: this.credential,
      minValiditySeconds: this.minValiditySeconds,
      ...(rejectedHash === undefined ? {} : { rejectedTokenHash: rejectedHash }),
    };
    for (let attempt = 1; ; attempt++) {
      await this.#sharedWait(deadline);
      const sentAtMs = this.#clock.now();
      let token: BrokerToken;
      try {
        token = await this.#transport.fetchToken(request);
      } catch (error) {
        // A reader older than rejectedTokenHash refuses the field: resending it would fail every call.
        if (error instanceof BadRequest) this.#forgetHash(rejectedHash);
        if (!(error instanceof TokenUnavailable)) throw error;
        const delay = Math.max(backoff(attempt), (error.retryAfterSeconds ?? 0) * 1000);
        this.#notBeforeMs = Math.max(this.#notBeforeMs, this.#clock.now() + delay);
        // Waiting past the deadline (a long Retry-After included) would only delay the same answer.
        if (this.#clock.now() + delay > deadline) throw error;
        continue;
      }
      if (this.credential !== undefined && token.credential !== this.credential) {
        throw new BrokerResponseInvalid(
          `asked for credential '${this.credential}', the broker answered for '${token.credential.slice(0, 70)}'`,
          { broker: this.#transport.description },
        );
      }
      // Counted from when the request was sent: conservative by the call's latency.
      const entry = { token, expiresAtMs: sentAtMs + token.expiresIn * 1000 };
      this.#store(rejectedHash, entry);
      return entry;
    }
  }

  /** Waits until the broker may be asked again, or fails at once if that is past `deadline`. */
  async #sharedWait(deadline: number): Promise<void> {
    const now = this.#clock.now();
    const wait = this.#notBeforeMs - now;
    if (wait <= 0) return;
    if (now + wait > deadline) {
      const seconds = Math.ceil(wait / 1000);
      const credential = this.credential === undefined ? "the broker's default set" : `'${this.credential}'`;
      throw new TokenUnavailable(
        `no usable token for credential ${credential} yet: the broker answered TokenUnavailable and ` +
          `is not asked again for ${seconds} s (Retry-After), past this call's retry deadline`,
        { broker: this.#transport.description, retryAfterSeconds: seconds },
      );
    }
    await this.#clock.sleep(wait);
  }

  /** Caches what a call brought, unless it is a token rejected while the call was under way. */
  #store(sentHash: string | undefined, entry: CachedToken): void {
    const pending = this.#rejectedHash;
    if (
      pending !== undefined &&
      pending !== sentHash &&
      rejectedTokenHash(entry.token.accessToken) === pending
    ) {
      return;
    }
    this.#rejectedHash = undefined;
    this.#cached = entry;
  }

  /** Drops the hash a reader refused, unless another token was rejected since. */
  #forgetHash(sentHash: string | undefined): void {
    if (sentHash !== undefined && this.#rejectedHash === sentHash) this.#rejectedHash = undefined;
  }

  #hasValidityLeft(entry: CachedToken): boolean {
    return entry.expiresAtMs - this.#clock.now() > this.minValiditySeconds * 1000;
  }

  #view(entry: CachedToken): BrokerToken {
    const expiresIn = Math.max(0, Math.floor((entry.expiresAtMs - this.#clock.now()) / 1000));
    return { ...entry.token, expiresIn };
  }
}

/** Capped exponential backoff with equal jitter: never a near-zero wait, never in lockstep. */
function backoff(attempt: number): number {
  const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** `promise`, or the abort reason as soon as `signal` fires; `promise` itself runs on. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
