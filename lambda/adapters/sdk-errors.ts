/**
 * The one reading of AWS SDK errors, shared by the Secrets Manager, DynamoDB and Lambda
 * adapters: which failures may pass on a later attempt (throttling, server faults, no
 * answer at all), which mean a missing permission, which a missing resource. Each adapter
 * then words its own advice. Names are compared, not classes: a second copy of the SDK in
 * a bundle breaks `instanceof`.
 */

/** What an SDK failure means for the caller. */
export type SdkErrorKind = 'throttled' | 'unavailable' | 'access-denied' | 'not-found' | 'other';

/** A classified SDK failure. */
export interface SdkErrorClass {
  /** The SDK error's name (`ThrottlingException`...), `UnknownError` for a non-error. */
  readonly name: string;
  readonly kind: SdkErrorKind;
  /** The same call may succeed later (throttled or unavailable); the SDK has already retried it. */
  readonly retryable: boolean;
}

/** Throttling, by the names DynamoDB, Secrets Manager and Lambda give it. */
const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** Server-side or network-level failures that have a name of their own. */
const UNAVAILABLE = new Set([
  'InternalServerError',
  'InternalServiceError',
  'ServiceUnavailable',
  // No answer at all.
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Names whose message AWS builds from principals, actions and resources, never from request values. */
export const DESCRIPTIVE_SDK_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  ...THROTTLED,
  ...UNAVAILABLE,
]);

/** Socket-level error codes: the service was not reached, so a later attempt may well succeed. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The SDK error's name; `UnknownError` when something else was thrown. */
export function sdkErrorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/**
 * Classifies an SDK failure.
 * @example classifySdkError(new ThrottlingException(...)) // { name: 'ThrottlingException', kind: 'throttled', retryable: true }
 */
export function classifySdkError(error: unknown): SdkErrorClass {
  const name = sdkErrorName(error);
  const kind: SdkErrorKind = THROTTLED.has(name)
    ? 'throttled'
    : UNAVAILABLE.has(name) || isTransientFault(error)
      ? 'unavailable'
      : name === 'AccessDeniedException'
        ? 'access-denied'
        : name === 'ResourceNotFoundException'
          ? 'not-found'
          : 'other';
  return { name, kind, retryable: kind === 'throttled' || kind === 'unavailable' };
}

/** 5xx answers the SDK did not name, and network failures, are worth another attempt too. */
function isTransientFault(error: unknown): boolean {
  const details = error as {
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    code?: unknown;
  } | null;
  const status = details?.$metadata?.httpStatusCode;
  return (
    details?.$fault === 'server' ||
    (typeof status === 'number' && status >= 500) ||
    (typeof details?.code === 'string' && NETWORK_ERROR_CODES.has(details.code))
  );
}
