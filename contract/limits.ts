/**
 * Every bound and default the construct, the Lambdas, the client and the local broker
 * share. One home: a number that appears here is imported, never retyped.
 */

/** A credential set name: lowercase letters, digits and dashes, 1 to 64 characters. */
export const CREDENTIAL_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;

/** The name pattern as people read it in error messages. */
export const CREDENTIAL_NAME_RULE = 'must match [a-z0-9-]{1,64}';

/**
 * Seconds of validity a caller may ask the reader for (`minValiditySeconds`). A55 tokens
 * live one hour, and the default leaves a caller five minutes to use what it gets.
 */
export const MIN_VALIDITY_SECONDS = { min: 0, max: 3600, default: 300 } as const;

/**
 * Refresh interval bounds in minutes. A55 tokens live one hour: refreshing more often
 * than every 5 minutes only costs Cognito requests, and after 55 minutes a token would be
 * too close to expiry for callers asking for the default validity.
 */
export const REFRESH_INTERVAL_MINUTES = { min: 5, max: 55, default: 50 } as const;

/**
 * Problem with a whole number that must lie in `[min, max]`, if any, phrased alike by the
 * construct, the reader and the client: `must be an integer from 0 to 3600`.
 */
export function integerRangeProblem(value: unknown, min: number, max: number): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `must be an integer from ${min} to ${max}`;
}

/** Reader in-memory cache bounds in seconds; kept well under the refresh interval. */
export const READER_CACHE_SECONDS = { min: 0, max: 300, default: 30 } as const;

/** The reader asks for at most one refresh per credential set in this many seconds. */
export const REFRESH_REQUEST_INTERVAL_SECONDS = 60;

/** `Retry-After` the reader sends with TokenUnavailable: about how long a refresh takes. */
export const TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** Partition key attribute of the token table (token items and state items alike). */
export const TABLE_PARTITION_KEY = 'credential';

/** The token table's TTL attribute: epoch seconds after which DynamoDB may delete a token item. */
export const TABLE_TTL_ATTRIBUTE = 'ttl';

/**
 * Suffix of every state item's key (`<name>#state`: last error, last success, refresh
 * request). `#` cannot occur in a credential name, so a state key never names a set;
 * IAM conditions match `*#state`.
 */
export const STATE_KEY_SUFFIX = '#state';

/** Partition key of a credential set's state item, kept apart from its token item. */
export function stateKey(credential: string): string {
  return `${credential}${STATE_KEY_SUFFIX}`;
}
