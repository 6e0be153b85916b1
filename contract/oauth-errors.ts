/**
 * The OAuth error codes the broker passes on, and the one rule for what a refused token
 * request is reported as. The code reaches the refresher's error message, the
 * `errorCode` metric dimension (listable account-wide for 15 months), the state item,
 * `/status` and the failure queue; the dashboard and the README name these codes.
 *
 * A token endpoint, or a proxy in front of it, may copy what it received (the form body
 * with the client secret, the Authorization header) into its `error` member. So a code is
 * passed on only when it is one of the codes below, spelled exactly; anything else in
 * `error` is `other`, and no other value of a response body is ever shown.
 */

/**
 * Codes a token endpoint sends in `error`: RFC 6749 section 5.2 (the token endpoint's own
 * six, the ones Amazon Cognito's token endpoint documents), the section 4.1.2.1 codes that
 * servers also answer at the token endpoint (`access_denied`, `server_error`,
 * `temporarily_unavailable`), RFC 6750 section 3.1 `invalid_token`, RFC 8628 section 3.5
 * `slow_down` and RFC 8707 section 2 `invalid_target`.
 */
export const KNOWN_OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'slow_down',
  'invalid_target',
] as const;

/** One of {@link KNOWN_OAUTH_ERROR_CODES}. */
export type KnownOAuthErrorCode = (typeof KNOWN_OAUTH_ERROR_CODES)[number];

/** What an `error` member that is not a known code is passed on as. */
export const OTHER_OAUTH_ERROR_CODE = 'other';

/** An OAuth error as the broker passes it on. */
export type PassedOnOAuthError = KnownOAuthErrorCode | typeof OTHER_OAUTH_ERROR_CODE;

// A Set, not an object's keys: `constructor` or `__proto__` must not match anything inherited.
const KNOWN = new Set<unknown>(KNOWN_OAUTH_ERROR_CODES);

/** True when `value` is one of {@link KNOWN_OAUTH_ERROR_CODES}, spelled exactly. */
export function isKnownOAuthErrorCode(value: unknown): value is KnownOAuthErrorCode {
  return KNOWN.has(value);
}

/**
 * What the `error` member of a refused request's body is passed on as: the code itself when
 * it is known, {@link OTHER_OAUTH_ERROR_CODE} for any other value (a string, a number, an
 * object: possibly an echo of the request), undefined when the body had no `error` member.
 */
export function passedOnOAuthError(error: unknown): PassedOnOAuthError | undefined {
  if (error === undefined) return undefined;
  return isKnownOAuthErrorCode(error) ? error : OTHER_OAUTH_ERROR_CODE;
}

/**
 * The code a refused token request is reported under (the `errorCode` dimension, the state
 * item's `lastErrorCode`, `/status`): the passed-on OAuth error, or `http_<status>` when the
 * body had no `error` member (not JSON, not an object, too large, or no such member).
 */
export function refusalCode(httpStatus: number, oauthError: PassedOnOAuthError | undefined): string {
  return oauthError ?? `http_${httpStatus}`;
}
