/**
 * Errors of the consumer library. The reader's errors keep the name it gave them (its
 * `errorType` on invoke, its `error` field over HTTP), so `error.name` and `instanceof`
 * are the same whichever transport carried the answer. Each class spells its name out:
 * consumer bundles are minified and would lose the class name. No message, field or
 * cause ever holds a token. The reader's names come from the contract's
 * `READER_ERROR_STATUS`: a name added there fails to compile here until it has a class.
 */
import { isReaderErrorName, type ReaderErrorName } from '../contract/index.js';

/** Where an error came from, for people reading it. */
export interface TokenBrokerErrorOptions {
  /** Which broker answered, e.g. `function a55-reader` or `https://abc.lambda-url.us-east-1.on.aws`. */
  readonly broker: string;
  /** HTTP status of the answer, when it came over a URL. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** The options given to a client are wrong, or the environment names no broker. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

/** Base class of every error about getting a token from the broker. */
export abstract class TokenBrokerError extends Error {
  /** Which broker answered. */
  readonly broker: string;
  /** HTTP status of the answer, when it came over a URL; undefined on invoke. */
  readonly status: number | undefined;

  // Public so subclasses inherit it as is; the class stays abstract.
  constructor(message: string, options: TokenBrokerErrorOptions) {
    super(
      `${message} (broker: ${options.broker})`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.broker = options.broker;
    this.status = options.status;
  }
}

/** The reader refused the request as malformed (bad credential name, minValiditySeconds out of range). */
export class BadRequest extends TokenBrokerError {
  override readonly name = 'BadRequest';
}

/** The credential set asked for is not configured in this broker; the message lists those that are. */
export class UnknownCredential extends TokenBrokerError {
  override readonly name = 'UnknownCredential';
}

/** The URL was not the reader's `/token` path (a wrong `url` option). */
export class NotFound extends TokenBrokerError {
  override readonly name = 'NotFound';
}

/** The reader's URL was called with another method than GET. */
export class MethodNotAllowed extends TokenBrokerError {
  override readonly name = 'MethodNotAllowed';
}

/**
 * No token with enough validity is stored yet; the reader has asked the refresher for one.
 * {@link TokenBrokerClient.getToken} retries this error until its deadline.
 */
export class TokenUnavailable extends TokenBrokerError {
  override readonly name = 'TokenUnavailable';
  /**
   * Seconds to wait before asking again: the reader's `Retry-After` over a URL; over Invoke
   * (no headers) the reader's contract value, `TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS`.
   */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: TokenBrokerErrorOptions & { readonly retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The reader failed in a way it does not explain to callers; the detail is in its log. */
export class InternalError extends TokenBrokerError {
  override readonly name = 'InternalError';
}

/** IAM refused the call: the caller's role lacks `lambda:InvokeFunction` (and, for URLs, `lambda:InvokeFunctionUrl`). */
export class BrokerAccessDenied extends TokenBrokerError {
  override readonly name = 'BrokerAccessDenied';
}

/**
 * The broker could not be reached or answered outside its contract: network failure,
 * timeout, throttling, a missing function, a Lambda runtime error (`errorType` keeps it).
 */
export class BrokerUnavailable extends TokenBrokerError {
  override readonly name = 'BrokerUnavailable';
  /** The runtime's or SDK's error name, e.g. `Sandbox.Timedout` or `ResourceNotFoundException`. */
  readonly errorType: string | undefined;
  constructor(message: string, options: TokenBrokerErrorOptions & { readonly errorType?: string }) {
    super(message, options);
    this.errorType = options.errorType;
  }
}

/** The broker answered success with a body that is not a token view; the body is never quoted. */
export class BrokerResponseInvalid extends TokenBrokerError {
  override readonly name = 'BrokerResponseInvalid';
}

/** The class of the reader error called `N`: its instances carry that very name. */
type ReaderErrorClass<N extends ReaderErrorName> = new (
  message: string,
  options: TokenBrokerErrorOptions & { readonly retryAfterSeconds?: number },
) => TokenBrokerError & { readonly name: N };

/**
 * Every reader error name of the contract, mapped to its class. `satisfies` makes a
 * missing name, an extra one or a class whose `name` differs a compile error.
 */
const READER_ERRORS = {
  BadRequest,
  UnknownCredential,
  NotFound,
  MethodNotAllowed,
  TokenUnavailable,
  InternalError,
} as const satisfies { readonly [N in ReaderErrorName]: ReaderErrorClass<N> };

/** Longest text taken from a remote answer into a message. */
const MAX_REMOTE_TEXT = 500;

/** Cuts text from the other side to a size a log line can carry. */
export function clip(text: string, max = MAX_REMOTE_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** A fetch failure in words: `fetch failed` says nothing, the socket error below it does (ECONNREFUSED...). */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return clip(String(error), 300);
  const inner = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return clip(`${error.message}${inner}`, 300);
}

/**
 * The typed error for an error the reader answered with. Names outside its contract
 * (Lambda runtime errors such as `Sandbox.Timedout`) become {@link BrokerUnavailable}.
 */
export function readerError(
  errorType: string,
  message: string,
  options: TokenBrokerErrorOptions & { readonly retryAfterSeconds?: number },
): TokenBrokerError {
  const text = clip(message);
  if (isReaderErrorName(errorType)) return new READER_ERRORS[errorType](text, options);
  return new BrokerUnavailable(`the reader failed with ${clip(errorType, 100)}: ${text}`, {
    ...options,
    errorType,
  });
}
