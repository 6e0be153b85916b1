/**
 * The read use case: validate a caller's request and serve the stored token when it
 * has enough validity left, from a short in-memory cache when possible.
 */
import { isCredentialName } from './credential-config.js';
import { BadRequest, TokenUnavailable, UnknownCredential } from './errors.js';
import type { Clock, StoredToken, TokenStore } from './ports.js';
import { describeJsonType, hasValidityLeft, secondsRemaining } from './token-rules.js';

/** A validated read request. */
export interface ReadRequest {
  readonly credential: string;
  readonly minValiditySeconds: number;
}

/** What callers receive (DESIGN.md, Read Lambda: success body). */
export interface TokenView {
  readonly credential: string;
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** ISO-8601. */
  readonly expiresAt: string;
  /** Seconds left. */
  readonly expiresIn: number;
}

/** Default and bounds of `minValiditySeconds`. */
export const MIN_VALIDITY = { default: 300, min: 0, max: 3600 } as const;

const READ_FIELDS = new Set(['action', 'credential', 'minValiditySeconds']);

/** What a caller of the reader asked for. */
export type ReaderRequest =
  | { readonly action: 'token'; readonly request: ReadRequest }
  | { readonly action: 'status' };

/**
 * Validates an invoke payload: `{"action": "status"}` asks for the status answer;
 * anything else (with `action` absent or `"token"`) is a token request, see {@link parseReadRequest}.
 * @throws BadRequest, UnknownCredential
 */
export function parseReaderRequest(payload: unknown, credentialNames: readonly string[]): ReaderRequest {
  const action =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>).action
      : undefined;
  if (action === 'status') {
    const extra = Object.keys(payload as object).filter((key) => key !== 'action');
    if (extra.length > 0) throw new BadRequest('a status request takes no other field than action');
    return { action: 'status' };
  }
  if (action !== undefined && action !== 'token') {
    throw new BadRequest(
      `action must be 'token' or 'status', got ${typeof action === 'string' ? `'${action.slice(0, 20)}'` : describeJsonType(action)}`,
    );
  }
  return { action: 'token', request: parseReadRequest(payload, credentialNames) };
}

/**
 * Validates an invoke payload (or the fields taken from a URL query) against the
 * configured credential names. `credential` defaults to the first configured set.
 *
 * @throws BadRequest when the payload is not an object, has unknown fields or wrong types.
 * @throws UnknownCredential when the name is well-formed but not configured.
 */
export function parseReadRequest(payload: unknown, credentialNames: readonly string[]): ReadRequest {
  if (payload === undefined || payload === null) payload = {};
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequest(`request must be a JSON object, got ${describeJsonType(payload)}`);
  }
  const fields = payload as Record<string, unknown>;
  // Reject typos such as `minValidity`: silently ignoring them would serve the wrong thing.
  const unknown = Object.keys(fields).filter((key) => !READ_FIELDS.has(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((key) => `'${key.slice(0, 40)}'`);
    throw new BadRequest(
      `unknown field ${shown.join(', ')}: allowed fields are credential, minValiditySeconds`,
    );
  }

  // Only an absent field takes the default: an explicit null is a wrong type, not a wish.
  const credential = fields.credential === undefined ? credentialNames[0] : fields.credential;
  if (!isCredentialName(credential)) {
    throw new BadRequest(
      typeof credential === 'string'
        ? 'credential must be 1-64 characters of a-z, 0-9 and -'
        : `credential must be a string, got ${describeJsonType(credential)}`,
    );
  }
  if (!credentialNames.includes(credential)) throw new UnknownCredential(credential, credentialNames);

  const minValiditySeconds =
    fields.minValiditySeconds === undefined ? MIN_VALIDITY.default : fields.minValiditySeconds;
  if (
    typeof minValiditySeconds !== 'number' ||
    !Number.isInteger(minValiditySeconds) ||
    minValiditySeconds < MIN_VALIDITY.min ||
    minValiditySeconds > MIN_VALIDITY.max
  ) {
    throw new BadRequest(
      `minValiditySeconds must be an integer from ${MIN_VALIDITY.min} to ${MIN_VALIDITY.max}, got ${
        typeof minValiditySeconds === 'number'
          ? String(minValiditySeconds)
          : describeJsonType(minValiditySeconds)
      }`,
    );
  }
  return { credential, minValiditySeconds };
}

/** Options of {@link TokenReader}. */
export interface TokenReaderOptions {
  readonly store: TokenStore;
  readonly clock: Clock;
  /**
   * How long an item read from the store is reused without reading it again.
   * Kept well under the refresh interval so a new token is picked up soon.
   * @default 30
   */
  readonly cacheSeconds?: number;
}

/**
 * Serves stored tokens. One instance per Lambda container (or local broker): it holds
 * the in-memory cache and shares one store read among concurrent callers.
 */
export class TokenReader {
  readonly #store: TokenStore;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { token: StoredToken; readAtMs: number }>();
  readonly #inFlight = new Map<string, Promise<StoredToken | undefined>>();

  constructor(options: TokenReaderOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#cacheMs = (options.cacheSeconds ?? 30) * 1000;
  }

  /**
   * The token for `request.credential` with at least `minValiditySeconds` left.
   * @throws TokenUnavailable when there is none; TokenStoreError when the store fails.
   */
  async read(request: ReadRequest): Promise<TokenView> {
    const { credential, minValiditySeconds } = request;
    const nowMs = this.#clock.now();
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
    const afterMs = this.#clock.now();
    if (!token) throw new TokenUnavailable(credential, 'no token is stored yet');
    this.#cache.set(credential, { token, readAtMs: afterMs });
    if (!hasValidityLeft(token, afterMs, minValiditySeconds)) {
      const left = secondsRemaining(token, afterMs);
      throw new TokenUnavailable(
        credential,
        left <= 0
          ? `the stored token expired ${-left} s ago`
          : `the stored token has ${left} s left, not more than the ${minValiditySeconds} s asked for`,
      );
    }
    return view(token, afterMs);
  }

  /** One store read per credential at a time; concurrent callers share it. */
  #load(credential: string): Promise<StoredToken | undefined> {
    const pending = this.#inFlight.get(credential);
    if (pending) return pending;
    const load = this.#store.get(credential).finally(() => this.#inFlight.delete(credential));
    this.#inFlight.set(credential, load);
    return load;
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
