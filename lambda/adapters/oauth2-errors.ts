/**
 * Reading OAuth 2.0 error responses (RFC 6749 section 5.2) and turning their codes into
 * advice for the operator. Which codes are passed on is the contract's rule
 * (contract/oauth-errors.ts): a known code, else `other`; nothing else of the body is kept.
 */
import {
  type KnownOAuthErrorCode,
  OTHER_OAUTH_ERROR_CODE,
  type PassedOnOAuthError,
  passedOnOAuthError,
} from '../../contract/index.js';

/**
 * The `error` member of an OAuth error body, as passed on: a known code, `other` for any
 * other value, undefined when the body is not a JSON object with an own `error` member.
 * `error_description` and `error_uri` are never read: free text a server could fill with
 * anything, including what we sent.
 */
export function readOAuthError(body: string): PassedOnOAuthError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !Object.hasOwn(parsed, 'error')) return undefined;
  return passedOnOAuthError((parsed as { error: unknown }).error);
}

const INVALID_CLIENT =
  'the client_id/client_secret in the secret were not accepted: paste the current pair from A55 into the secret (was it rotated?)';

// A Map, not an object literal: a code must never select an inherited property.
const ADVICE: ReadonlyMap<KnownOAuthErrorCode, string> = new Map([
  ['invalid_client', INVALID_CLIENT],
  ['unauthorized_client', 'this client may not use the client_credentials grant: ask A55 to enable it'],
  ['invalid_scope', 'the configured scope is not allowed for this client: fix scope in the configuration'],
  ['invalid_grant', 'the grant was refused: check the client is enabled at A55'],
  [
    'invalid_request',
    'the endpoint did not understand the request: check tokenUrl and clientAuth in the configuration',
  ],
  [
    'unsupported_grant_type',
    'the endpoint does not support client_credentials: check tokenUrl in the configuration',
  ],
]);

/** What the operator should do about a refused token request. */
export function adviceFor(status: number, oauthError: PassedOnOAuthError | undefined): string {
  const advice =
    oauthError === undefined || oauthError === OTHER_OAUTH_ERROR_CODE ? undefined : ADVICE.get(oauthError);
  if (advice !== undefined) return advice;
  if (status === 401) return INVALID_CLIENT;
  if (status >= 300 && status < 400)
    return 'the endpoint redirected: set tokenUrl to the final token endpoint URL';
  if (status === 404 || status === 405)
    return 'this URL is not a token endpoint: check tokenUrl in the configuration';
  if (status === 403)
    return 'the endpoint refused access (HTTP 403): check a WAF or network policy in front of it';
  return 'not retried; check tokenUrl, clientAuth and the credentials';
}
