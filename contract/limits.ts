/**
 * Every bound and default the construct, the Lambdas, the client and the local broker
 * share. One home: a number that appears here is imported, never retyped.
 */

/** A credential set name: lowercase letters, digits and dashes, 1 to 64 characters. */
export const CREDENTIAL_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;

/** The name pattern as people read it in error messages. */
export const CREDENTIAL_NAME_RULE = 'must match [a-z0-9-]{1,64}';

/** Lifetime of an A55 access token (`expires_in` of A55's Cognito token endpoint), in seconds. */
export const A55_TOKEN_LIFETIME_SECONDS = 3600;

/**
 * Seconds of validity a caller may ask the reader for (`minValiditySeconds`). The default
 * leaves a caller five minutes to use what it gets. The maximum is half an A55 token's
 * lifetime (1800 s): a caller asking for it gets a token for the first half of each token's
 * life and makes the reader ask for a fresh one at most every 30 minutes, so one caller's
 * demand adds at most 48 token requests a day. A larger value could only be met by tokens
 * refreshed ever more often; a value no token can satisfy would ask for one every minute.
 */
export const MIN_VALIDITY_SECONDS = { min: 0, max: A55_TOKEN_LIFETIME_SECONDS / 2, default: 300 } as const;

/**
 * The largest refresh interval, in whole minutes, at which the token fetched at run k still
 * has MORE than the default validity left when run k+1 fires:
 * `A55_TOKEN_LIFETIME_SECONDS - 60 * interval > MIN_VALIDITY_SECONDS.default`, i.e.
 * `interval < (3600 - 300) / 60 = 55`, so 54. At 55 the token would have exactly 300 s
 * left, which the reader no longer serves to a caller asking for the default (it serves
 * only strictly more), so every such caller would get TokenUnavailable until the run lands.
 */
const MAX_REFRESH_INTERVAL_MINUTES =
  Math.ceil((A55_TOKEN_LIFETIME_SECONDS - MIN_VALIDITY_SECONDS.default) / 60) - 1;

/**
 * Refresh interval bounds in minutes. Refreshing more often than every 5 minutes only
 * costs Cognito requests; the maximum is derived from the A55 token lifetime and the
 * default validity (see {@link MAX_REFRESH_INTERVAL_MINUTES}: 54).
 */
export const REFRESH_INTERVAL_MINUTES = { min: 5, max: MAX_REFRESH_INTERVAL_MINUTES, default: 50 } as const;

/**
 * Problem with a refresh interval in minutes, if any, phrased alike by the construct and the
 * cdk.json configuration; above the maximum it says why the maximum is what it is.
 * @param unit appended to the range (`minutes` where the value is shown as a Duration).
 */
export function refreshIntervalProblem(minutes: unknown, unit?: string): string | undefined {
  const { min, max } = REFRESH_INTERVAL_MINUTES;
  if (integerRangeProblem(minutes, min, max) === undefined) return undefined;
  const range = `must be an integer from ${min} to ${max}${unit === undefined ? '' : ` ${unit}`}`;
  if (typeof minutes !== 'number' || !(minutes > max)) return range;
  return (
    `${range} (an A55 token lives ${A55_TOKEN_LIFETIME_SECONDS} s: at the next run it must still have ` +
    `more than the default minValiditySeconds, ${MIN_VALIDITY_SECONDS.default} s, left)`
  );
}

/**
 * Problem with a whole number that must lie in `[min, max]`, if any, phrased alike by the
 * construct, the reader and the client: `must be an integer from 0 to 1800`.
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

/**
 * How far ahead of the writer's clock a stored token's `fetchedAt` (or `secretReadAt`) may
 * lie before the item counts as future-dated: clock skew between refreshers, with room.
 * A future-dated item cannot be right (a clock that jumped, a hand edit) and would win
 * every write-order comparison forever, so a refresh replaces it, as it replaces an
 * expired item.
 */
export const STORED_ITEM_CLOCK_SKEW_SECONDS = 300;

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
