/**
 * The reader's error names, its only error vocabulary across both faces and the client:
 * the Lambda invoke's `errorType`, the Function URL's `{"error": name}`, and the client's
 * error classes. The HTTP status of each name lives here, not in the error classes, so
 * the core stays free of transport concerns.
 */

/** Reader error name -> HTTP status of the Function URL face. */
export const READER_ERROR_STATUS = {
  /** The request is malformed: wrong type, unknown field, bad name, out-of-range validity. */
  BadRequest: 400,
  /** The named credential set is not configured in this broker. */
  UnknownCredential: 404,
  /** A URL path other than `/token` and `/status`. */
  NotFound: 404,
  /** A URL method other than GET. */
  MethodNotAllowed: 405,
  /** No usable token right now; the answer carries `Retry-After`. */
  TokenUnavailable: 503,
  /** Anything else: the reader failed on its side; details stay in its log. */
  InternalError: 500,
} as const;

/** One of the reader's error names. */
export type ReaderErrorName = keyof typeof READER_ERROR_STATUS;

/** The name every unexpected failure is answered with. */
export const INTERNAL_ERROR: ReaderErrorName = 'InternalError';

/** The message sent with {@link INTERNAL_ERROR}; nothing internal leaves the function. */
export const INTERNAL_ERROR_MESSAGE = 'internal error; see the reader logs';

/** True when `name` is one of the reader's error names (own keys only, never inherited ones). */
export function isReaderErrorName(name: unknown): name is ReaderErrorName {
  return typeof name === 'string' && Object.hasOwn(READER_ERROR_STATUS, name);
}

/**
 * How the reader answers an error called `name` (middy's http-error-handler rule, plus
 * TokenUnavailable): a reader error name other than {@link INTERNAL_ERROR} is exposed
 * with its status and message; anything else becomes a generic {@link INTERNAL_ERROR}.
 * Callers pass names of the broker's own errors only, never of arbitrary exceptions.
 */
export function readerAnswerFor(name: unknown): {
  readonly name: ReaderErrorName;
  readonly status: number;
  readonly expose: boolean;
} {
  if (isReaderErrorName(name) && name !== INTERNAL_ERROR) {
    return { name, status: READER_ERROR_STATUS[name], expose: true };
  }
  return { name: INTERNAL_ERROR, status: READER_ERROR_STATUS[INTERNAL_ERROR], expose: false };
}
