/**
 * Reading OAuth 2.0 error responses (RFC 6749 section 5.2) and turning their codes into
 * advice for the operator.
 */

/** RFC 6749 error codes are printable ASCII without `"` and `\`; anything else is not shown. */
const ERROR_CODE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * The `error` code of an OAuth error body, when it is one. Only the code is kept:
 * `error_description` is free text a server could fill with anything, including what we sent.
 */
export function readOAuthError(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const code = (parsed as Record<string, unknown>).error;
    return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

const ADVICE: Record<string, string> = {
  invalid_client:
    'the client_id/client_secret in the secret were not accepted: paste the current pair from A55 into the secret (was it rotated?)',
  unauthorized_client: 'this client may not use the client_credentials grant: ask A55 to enable it',
  invalid_scope: 'the configured scope is not allowed for this client: fix scope in the configuration',
  invalid_grant: 'the grant was refused: check the client is enabled at A55',
  invalid_request:
    'the endpoint did not understand the request: check tokenUrl and clientAuth in the configuration',
  unsupported_grant_type:
    'the endpoint does not support client_credentials: check tokenUrl in the configuration',
};

/** What the operator should do about a refused token request. */
export function adviceFor(status: number, oauthError: string | undefined): string {
  if (oauthError && ADVICE[oauthError]) return ADVICE[oauthError];
  if (status === 401) return ADVICE.invalid_client as string;
  if (status >= 300 && status < 400)
    return 'the endpoint redirected: set tokenUrl to the final token endpoint URL';
  if (status === 404 || status === 405)
    return 'this URL is not a token endpoint: check tokenUrl in the configuration';
  if (status === 403)
    return 'the endpoint refused access (HTTP 403): check a WAF or network policy in front of it';
  return 'not retried; check tokenUrl, clientAuth and the credentials';
}
