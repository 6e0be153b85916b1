/**
 * A credential set: its schema, its defaults and its one parser. The CDK configuration
 * (cdk.json context), the construct props, the Lambdas' environment and the local
 * broker's credentials file all read credential sets through {@link parseCredentialSet},
 * so each rule is decided once and every layer words its errors alike:
 * `<path>: <value> <problem>`.
 */
import { CREDENTIAL_NAME_PATTERN, CREDENTIAL_NAME_RULE } from './limits.js';
import { isSecureOrLoopback } from './loopback.js';

/** A55's Cognito token endpoint, from the A55 authentication reference. */
export const A55_TOKEN_URL = 'https://smart-capital.auth.us-east-1.amazoncognito.com/oauth2/token';

/** How the client authenticates at the token endpoint (RFC 6749 section 2.3.1). */
export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic'] as const;

/** One of {@link CLIENT_AUTH_METHODS}. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Defaults of a credential set's optional fields: A55's endpoint, and A55's documented way. */
export const CREDENTIAL_SET_DEFAULTS = {
  tokenUrl: A55_TOKEN_URL,
  clientAuth: 'client_secret_post',
} as const satisfies { tokenUrl: string; clientAuth: ClientAuthMethod };

/** The name of the one set a broker serves when none is configured. */
export const DEFAULT_CREDENTIAL_NAME = 'default';

/** One credential set, defaults applied: what the refresher needs besides its secret. */
export interface CredentialSet {
  /** Name of the set, the DynamoDB partition key and the caller-facing identifier. */
  readonly name: string;
  /** OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  /** Space-separated scopes to request; omitted from the request when undefined. */
  readonly scope?: string;
  /** How client_id/client_secret are sent. */
  readonly clientAuth: ClientAuthMethod;
}

/** The fields {@link parseCredentialSet} reads; every layer may add its own (see `extraKeys`). */
export const CREDENTIAL_SET_KEYS = ['name', 'tokenUrl', 'scope', 'clientAuth'] as const;

/**
 * Thrown for a configuration value the broker cannot be built or started from. Its
 * message names the field path and the bad value (never a secret: secret fields are
 * checked by their own rule, which does not quote them).
 */
export class TokenBrokerConfigError extends Error {
  override readonly name = 'TokenBrokerConfigError';
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Builds the error for `path` holding `value`, e.g. `credentials[0].name: 'Prod' must match ...`. */
export function invalid(path: string, value: unknown, problem: string): TokenBrokerConfigError {
  return new TokenBrokerConfigError(`${path}: ${show(value)} ${problem}`);
}

/** True when `value` is a syntactically valid credential set name. */
export function isCredentialName(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_NAME_PATTERN.test(value);
}

/** Problem with a credential set name, if any. */
export function credentialNameProblem(value: unknown): string | undefined {
  return isCredentialName(value) ? undefined : CREDENTIAL_NAME_RULE;
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
  if (isSecureOrLoopback(parsed)) return undefined;
  return 'must use https (http is allowed only for 127.0.0.1 or localhost)';
}

/** `url` with any `user:password@` part replaced by `***@`, for error messages. */
export function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

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

/** Options of {@link parseCredentialSet}. */
export interface ParseCredentialSetOptions<K extends string> {
  /**
   * Keys the caller's layer adds (`secretName`, `secretId`, `clientId`...): allowed, and
   * returned untouched in `extra` for the caller to check. Any other key is refused.
   */
  readonly extraKeys?: readonly K[];
  /**
   * True for a value that is only a placeholder at this point (a CDK token from a
   * parameter or an import): such a tokenUrl cannot be checked and is let through.
   */
  readonly isUnresolved?: (value: string) => boolean;
}

/** A parsed credential set and the caller's own fields. */
export type ParsedCredentialSet<K extends string> = CredentialSet & {
  /** The values of the caller's `extraKeys` that were present. */
  readonly extra: Readonly<Partial<Record<K, unknown>>>;
};

/**
 * Parses one credential set, applying the defaults.
 * @param raw the value as given (an object from JSON or props).
 * @param path where it sits, for messages, e.g. `tokenBroker.credentials[1]`.
 * @throws TokenBrokerConfigError naming the first bad field and its value.
 * @example
 * parseCredentialSet({ name: 'sandbox' }, 'credentials[0]');
 * // { name: 'sandbox', tokenUrl: A55_TOKEN_URL, clientAuth: 'client_secret_post', extra: {} }
 */
export function parseCredentialSet<K extends string = never>(
  raw: unknown,
  path: string,
  options: ParseCredentialSetOptions<K> = {},
): ParsedCredentialSet<K> {
  const fields = asObject(raw, path);
  const extraKeys: readonly string[] = options.extraKeys ?? [];
  assertKnownKeys(fields, [...CREDENTIAL_SET_KEYS, ...extraKeys], path);
  const { name, tokenUrl, scope, clientAuth } = fields;
  const nameProblem = credentialNameProblem(name);
  if (nameProblem) throw invalid(`${path}.name`, name, nameProblem);
  if (tokenUrl !== undefined) {
    if (typeof tokenUrl !== 'string') throw invalid(`${path}.tokenUrl`, tokenUrl, 'must be a string');
    const problem = options.isUnresolved?.(tokenUrl) ? undefined : tokenUrlProblem(tokenUrl);
    // A URL with user information may carry a password: never quote that part.
    if (problem) throw invalid(`${path}.tokenUrl`, withoutUserInfo(tokenUrl), problem);
  }
  if (scope !== undefined) {
    const problem = scopeProblem(scope);
    if (problem) throw invalid(`${path}.scope`, scope, problem);
  }
  if (clientAuth !== undefined && !isClientAuthMethod(clientAuth)) {
    throw invalid(`${path}.clientAuth`, clientAuth, `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  const extra: Partial<Record<K, unknown>> = {};
  for (const key of extraKeys as readonly K[]) {
    if (fields[key] !== undefined) extra[key] = fields[key];
  }
  return {
    name: name as string,
    tokenUrl: (tokenUrl as string | undefined) ?? CREDENTIAL_SET_DEFAULTS.tokenUrl,
    clientAuth: (clientAuth as ClientAuthMethod | undefined) ?? CREDENTIAL_SET_DEFAULTS.clientAuth,
    ...(scope === undefined ? {} : { scope: scope as string }),
    extra,
  };
}

/**
 * Rejects a repeated name: the name is the DynamoDB partition key, so two sets with one
 * name would overwrite each other's token.
 * @param path where the list sits, e.g. `tokenBroker.credentials`.
 */
export function assertUniqueNames(names: readonly string[], path: string): void {
  names.forEach((name, index) => {
    const first = names.indexOf(name);
    if (first !== index) {
      throw invalid(`${path}[${index}].name`, name, `duplicates ${path}[${first}].name`);
    }
  });
}

/** `value` as a plain object, or an error naming `path`. */
export function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(path, value, 'must be an object');
  }
  return value as Record<string, unknown>;
}

/** Typo protection: `tokenURL` instead of `tokenUrl` must not be silently ignored. */
export function assertKnownKeys(
  fields: Record<string, unknown>,
  known: readonly string[],
  path: string,
): void {
  const unknown = Object.keys(fields).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new TokenBrokerConfigError(`${path}: unknown key ${show(unknown)} (allowed: ${known.join(', ')})`);
  }
}
