/**
 * Rules for what counts as a usable token response and when a token expires.
 * Pure functions: the clock value comes in as an argument.
 */
import {
  describeJsonType,
  MIN_VALIDITY_SECONDS,
  STORED_ITEM_CLOCK_SKEW_SECONDS,
} from '../../contract/index.js';
import { TokenResponseInvalid, TokenStoreError } from './errors.js';
import type { StoredToken, TokenStore } from './ports.js';

/** The validated, normalised token response. */
export interface ValidatedToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Epoch seconds (integer) after which the token must not be used. */
  readonly expiresAt: number;
  /** Scope the server says it granted, when it said. */
  readonly scope?: string;
}

/**
 * Longest lifetime we believe: anything above is a misbehaving endpoint, not a token
 * worth keeping for a week. Cognito issues 5 minutes to 1 day.
 */
export const MAX_EXPIRES_IN_SECONDS = 7 * 24 * 3600;

/**
 * RFC 6750 b64token, the characters a Bearer token may contain. Anything else would
 * break the callers' `Authorization` header.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Validates a token endpoint's 2xx body and computes its expiry.
 *
 * `expiresAt` is counted from when the request was **sent** (`sentAtMs`), not received,
 * so network time only ever shortens the believed lifetime. When the token is a JWT
 * with an `exp` claim, the earlier of the two wins.
 *
 * @throws TokenResponseInvalid when the body is not a valid Bearer token response.
 */
export function validateTokenResponse(credential: string, body: unknown, sentAtMs: number): ValidatedToken {
  const invalid = (problem: string) => new TokenResponseInvalid(credential, problem);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`body is ${describeJsonType(body)}, expected a JSON object`);
  }
  const fields = body as Record<string, unknown>;

  const accessToken = fields.access_token;
  if (typeof accessToken !== 'string') {
    throw invalid(`access_token is ${describeJsonType(accessToken)}, expected a string`);
  }
  if (accessToken.length === 0) throw invalid('access_token is empty');
  if (!B64TOKEN.test(accessToken))
    throw invalid('access_token contains characters not allowed in a Bearer token');

  const tokenType = fields.token_type;
  if (typeof tokenType !== 'string') {
    throw invalid(`token_type is ${describeJsonType(tokenType)}, expected 'Bearer'`);
  }
  if (tokenType.toLowerCase() !== 'bearer') {
    // Never the value: a server (or a proxy) that echoes the request may have put the secret there.
    throw invalid('token_type is not Bearer (its value is not shown)');
  }

  const expiresIn = fields.expires_in;
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0) {
    const shown = typeof expiresIn === 'number' ? String(expiresIn) : describeJsonType(expiresIn);
    throw invalid(`expires_in is ${shown}, expected a positive integer number of seconds`);
  }
  if (expiresIn > MAX_EXPIRES_IN_SECONDS) {
    throw invalid(
      `expires_in is ${expiresIn}, more than the ${MAX_EXPIRES_IN_SECONDS} seconds the broker accepts`,
    );
  }

  const sentAtSeconds = Math.floor(sentAtMs / 1000);
  let expiresAt = sentAtSeconds + expiresIn;
  const jwtExp = jwtExpiry(accessToken);
  if (jwtExp !== undefined && jwtExp < expiresAt) expiresAt = jwtExp;
  if (expiresAt <= sentAtSeconds)
    throw invalid('the token (JWT exp claim) was already expired when it arrived');

  const scope = typeof fields.scope === 'string' && fields.scope.length > 0 ? fields.scope : undefined;
  return { accessToken, tokenType: 'Bearer', expiresAt, ...(scope === undefined ? {} : { scope }) };
}

/**
 * The `exp` claim of a JWT, in epoch seconds, or undefined when the token is not a JWT
 * or has no numeric `exp`. The signature is not checked: the token came over TLS from
 * the endpoint itself, and the claim is only used to shorten the believed lifetime.
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const exp = (payload as Record<string, unknown>).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? Math.floor(exp) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds of validity `token` has left at `nowMs` (negative once expired). */
export function secondsRemaining(token: { readonly expiresAt: number }, nowMs: number): number {
  return Math.floor(token.expiresAt - nowMs / 1000);
}

/**
 * Whether `token` has strictly more than `minSeconds` of validity at `nowMs`. Strict, so
 * that asking for 0 s never yields a token expiring this very second.
 */
export function hasValidityLeft(
  token: { readonly expiresAt: number },
  nowMs: number,
  minSeconds: number,
): boolean {
  return token.expiresAt - nowMs / 1000 > minSeconds;
}

/**
 * Whether `incoming` may replace `stored` in the token store, judged at `nowSeconds` (the
 * writer's clock). The DynamoDB store's write condition (PUT_CONDITION) says the same; an
 * integration test holds the two to each other. `stored` is replaced when it
 * - cannot be right: expired (`expiresAt <= now`), or future-dated (`fetchedAt` or
 *   `secretReadAt` more than {@link STORED_ITEM_CLOCK_SKEW_SECONDS} ahead of now), which
 *   would otherwise win every comparison below forever; or
 * - is older: its secret was read earlier (`secretReadAt`), or at the same instant and its
 *   request was sent earlier (`fetchedAt`). An item without `secretReadAt` (written before
 *   it existed) is compared by `fetchedAt` alone. An incoming token without one counts its
 *   send time as its secret read (the read came before the send).
 * Equal items are not rewritten. (Malformed items, which only DynamoDB can hold, are
 * always replaced there.)
 */
export function mayReplace(stored: StoredToken, incoming: StoredToken, nowSeconds: number): boolean {
  const latest = nowSeconds + STORED_ITEM_CLOCK_SKEW_SECONDS;
  if (stored.expiresAt <= nowSeconds) return true;
  if (stored.fetchedAt > latest || (stored.secretReadAt ?? Number.NEGATIVE_INFINITY) > latest) return true;
  if (stored.secretReadAt === undefined) return stored.fetchedAt < incoming.fetchedAt;
  const incomingRead = incoming.secretReadAt ?? incoming.fetchedAt;
  return (
    stored.secretReadAt < incomingRead ||
    (stored.secretReadAt === incomingRead && stored.fetchedAt < incoming.fetchedAt)
  );
}

/**
 * Refuses a token whose times are not finite numbers, before any store holds it: NaN
 * compares false with everything, so such an item could never be replaced by
 * {@link mayReplace} (and DynamoDB would refuse "NaN" with a less helpful error). Every
 * {@link TokenStore} applies it first in `put`.
 * @throws TokenStoreError naming the field.
 */
export function assertStorable(token: StoredToken): void {
  for (const field of ['expiresAt', 'fetchedAt', 'secretReadAt'] as const) {
    const value = token[field];
    if ((value !== undefined || field !== 'secretReadAt') && !Number.isFinite(value)) {
      throw new TokenStoreError(
        token.credential,
        `refusing to store a token whose ${field} is not a finite number`,
      );
    }
  }
}

/**
 * Whether a token is too short-lived for a schedule of `intervalSeconds`: fetched at one
 * scheduled run, it would have no more than the default validity
 * (MIN_VALIDITY_SECONDS.default) left at the next, so callers asking for the default
 * would find no token they can use until that run lands.
 */
export function tooShortForSchedule(
  token: { readonly expiresAt: number },
  sentAtMs: number,
  intervalSeconds: number,
): boolean {
  const lifetime = token.expiresAt - Math.floor(sentAtMs / 1000);
  return lifetime - intervalSeconds <= MIN_VALIDITY_SECONDS.default;
}
