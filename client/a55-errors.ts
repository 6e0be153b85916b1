/**
 * Errors of {@link A55Client}. They name the method and path (never the query string,
 * which may carry customer data) and never the Bearer token: a response body that echoes
 * it has it replaced before it is kept.
 */
import { describeCause } from './errors.js';

/** Base class of the A55 client's errors. */
export abstract class A55Error extends Error {
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL path of the failed request (the base URL's path included), without the query string. */
  readonly path: string;

  protected constructor(message: string, method: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.method = method;
    this.path = path;
  }
}

/** The A55 API answered with a status outside 2xx (or a 2xx whose body is not JSON). */
export class A55ApiError extends A55Error {
  override readonly name = 'A55ApiError';
  /** HTTP status of the answer. */
  readonly status: number;
  /** The response body, cut to a few kilobytes, with the token (if echoed) redacted. */
  readonly body: string;

  constructor(message: string, details: { method: string; path: string; status: number; body: string }) {
    super(message, details.method, details.path);
    this.status = details.status;
    this.body = details.body;
  }
}

/** The A55 API did not answer (headers and body) within the client's timeout. */
export class A55TimeoutError extends A55Error {
  override readonly name = 'A55TimeoutError';
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`A55 API ${method} ${path} did not answer within ${timeoutMs} ms`, method, path);
    this.timeoutMs = timeoutMs;
  }
}

/** The request could not be sent or its answer not read (DNS, connection reset, TLS). */
export class A55RequestError extends A55Error {
  override readonly name = 'A55RequestError';

  constructor(method: string, path: string, cause: unknown) {
    super(`A55 API ${method} ${path} failed: ${describeCause(cause)}`, method, path, { cause });
  }
}
