/**
 * The shape of one credential set as the Lambdas receive it, and the rules every
 * layer (synth-time config, handlers, local broker) shares for names and auth methods.
 */

/** How the client authenticates at the token endpoint (RFC 6749 section 2.3.1). */
export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic'] as const;

/** One of {@link CLIENT_AUTH_METHODS}. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** A credential set name: lowercase letters, digits and dashes, 1 to 64 characters. */
export const CREDENTIAL_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;

/** A55's Cognito token endpoint, from the A55 authentication reference. */
export const A55_TOKEN_URL = 'https://smart-capital.auth.us-east-1.amazoncognito.com/oauth2/token';

/** Everything the refresher needs to know about one credential set. */
export interface CredentialConfig {
  /** Name of the set, the DynamoDB partition key and the caller-facing identifier. */
  readonly name: string;
  /** OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  /** Space-separated scopes to request; omitted from the request when undefined. */
  readonly scope?: string;
  /** How client_id/client_secret are sent. */
  readonly clientAuth: ClientAuthMethod;
  /** Where the client_id/client_secret JSON lives (Secrets Manager ARN or name; a label locally). */
  readonly secretId: string;
}

/** True when `value` is a syntactically valid credential set name. */
export function isCredentialName(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_NAME_PATTERN.test(value);
}

/** True when `value` is a supported client authentication method. */
export function isClientAuthMethod(value: unknown): value is ClientAuthMethod {
  return typeof value === 'string' && (CLIENT_AUTH_METHODS as readonly string[]).includes(value);
}

/**
 * Whether `url` may be used as a token endpoint: https anywhere, plain http only on
 * the loopback host (the local broker and tests), because client secrets travel in it.
 * Returns a reason when it may not, undefined when it may.
 */
export function tokenUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not embed user information';
  if (parsed.protocol === 'https:') return undefined;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol === 'http:' && loopback) return undefined;
  return 'must use https (http is allowed only for 127.0.0.1 or localhost)';
}

/**
 * Value the stack stores in a secret it creates, until an operator pastes the real
 * credentials. The refresher recognises it and says so instead of calling the endpoint.
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/**
 * OAuth 2.0 scope syntax (RFC 6749 section 3.3): space-separated tokens of printable
 * ASCII without `"` or `\`. Anything else would be rejected by the token endpoint at
 * every refresh, so it is refused when the configuration is read.
 */
const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** Problem with an OAuth scope string, if any. */
export function scopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
  if (!SCOPE_PATTERN.test(value)) {
    return 'must be space-separated scope tokens of printable ASCII without quotes or backslashes';
  }
  return undefined;
}
