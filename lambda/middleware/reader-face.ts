/**
 * The reader's two faces as one middy middleware, modelled on middy's http-error-handler:
 * a direct invoke passes its payload through and fails with an error whose `errorType` is
 * the reader error name; a Function URL event (payload v2) is turned into the same payload
 * shape (`GET /token?...`, `GET /status`) and its answer into JSON with `Cache-Control:
 * no-store`. The expose rule lives here only: a reader error name (contract's
 * READER_ERROR_STATUS) other than InternalError shows its message; anything else becomes
 * a generic InternalError whose detail stays in the log. Refusals are logged at info,
 * failures at error and counted once as `ReadFailed`. Neither the event nor its
 * Authorization header is ever logged.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE, METRIC, readerAnswerFor } from '../../contract/index.js';
import {
  BadRequest,
  BrokerError,
  errorFields,
  MethodNotAllowed,
  NotFound,
  TokenUnavailable,
} from '../core/errors.js';
import { countSingle, type MiddlewareLogger } from './observability.js';

/** Options of {@link readerFace}. */
export interface ReaderFaceOptions {
  /** Where refusals (info) and failures (error) are logged. @default no logging */
  readonly logger?: MiddlewareLogger;
  /** Counts `ReadFailed`. @default no metrics */
  readonly metrics?: Metrics;
}

const defaults: ReaderFaceOptions = {};

type Request = middy.Request<unknown, unknown, Error, Context, { readerFace?: 'url' | 'invoke' }>;

/**
 * The reader face middleware. Use it before any middleware that looks at the payload or the
 * answer, so those see the payload shape and the reader's own result.
 * @example
 * export const handler = middy((payload) => reader.serve(payload)).use(readerFace({ logger, metrics }));
 */
export function readerFace(opts: ReaderFaceOptions = {}): middy.MiddlewareObj<unknown, unknown> {
  const { logger, metrics } = { ...defaults, ...opts };

  const readerFaceMiddlewareBefore = (request: Request): void => {
    if (!isFunctionUrlEvent(request.event)) {
      request.internal.readerFace = 'invoke';
      return;
    }
    request.internal.readerFace = 'url';
    request.event = parseHttpRequest(request.event);
  };

  const readerFaceMiddlewareAfter = (request: Request): void => {
    if (request.internal.readerFace === 'url') request.response = jsonResponse(200, request.response);
  };

  const readerFaceMiddlewareOnError = (request: Request): void => {
    const { error } = request;
    // Only the broker's own errors carry a name meant for callers.
    const answer = readerAnswerFor(error instanceof BrokerError ? error.name : undefined);
    if (answer.expose) {
      logger?.info('read refused', errorFields(error));
    } else {
      logger?.error('read failed', errorFields(error));
      if (metrics) countSingle(metrics, METRIC.readFailed);
    }
    if (request.internal.readerFace === 'url') {
      const headers: Record<string, string> = {};
      if (error instanceof MethodNotAllowed) headers.allow = 'GET';
      if (error instanceof TokenUnavailable) headers['retry-after'] = String(error.retryAfterSeconds);
      const message = answer.expose && error ? error.message : INTERNAL_ERROR_MESSAGE;
      request.response = jsonResponse(answer.status, { error: answer.name, message }, headers);
      return;
    }
    if (!answer.expose) request.error = new InternalError();
  };

  return {
    before: readerFaceMiddlewareBefore,
    after: readerFaceMiddlewareAfter,
    onError: readerFaceMiddlewareOnError,
  } as middy.MiddlewareObj<unknown, unknown>;
}

/**
 * Milliseconds of the reader Lambda's remaining time kept back from a request: middy aborts
 * the handler's signal this long before the timeout (the store and refresher calls stop,
 * with the SDK's retries) and answers {@link ReadDeadlineExceeded}, leaving the time to log
 * it, count `ReadFailed` and flush the metrics before Lambda would kill the function.
 */
export const READ_DEADLINE_MARGIN_MS = 1_000;

/** A read that did not finish before the reader's deadline; answered as InternalError. */
export class ReadDeadlineExceeded extends Error {
  override readonly name = 'ReadDeadlineExceeded';
  constructor() {
    super(
      `the read did not answer before the reader's deadline (its Lambda timeout less ${READ_DEADLINE_MARGIN_MS} ms): ` +
        'DynamoDB or the refresher invoke was too slow; check their latency and throttling',
    );
  }
}

/**
 * The reader handler's middy options: its deadline. Use as `middy(handler, READ_DEADLINE)`
 * and pass the handler's `signal` to `Reader.serve`.
 */
export const READ_DEADLINE = {
  timeoutEarlyInMillis: READ_DEADLINE_MARGIN_MS,
  timeoutEarlyResponse: (): never => {
    throw new ReadDeadlineExceeded();
  },
} as const;

/**
 * The reader handler's function: serves each request through `reader` with the deadline
 * signal middy passes it (see {@link READ_DEADLINE}).
 * @example export const handler = middy(serveWithDeadline(reader), READ_DEADLINE).use(readerFace({ logger }));
 */
export function serveWithDeadline(reader: {
  serve(payload: unknown, options: { readonly signal?: AbortSignal }): Promise<unknown>;
}): (payload: unknown, context: unknown, options: { readonly signal: AbortSignal }) => Promise<unknown> {
  return (payload, _context, { signal }) => reader.serve(payload, { signal });
}

/** What an invoke caller sees for a failure the reader did not foresee. */
class InternalError extends Error {
  override readonly name = INTERNAL_ERROR;
  constructor() {
    super(INTERNAL_ERROR_MESSAGE);
  }
}

/** True when `event` came through the Function URL rather than a direct invoke. */
export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  if (typeof event !== 'object' || event === null) return false;
  const { requestContext, rawPath } = event as Partial<LambdaFunctionURLEvent>;
  return typeof rawPath === 'string' && typeof requestContext?.http?.method === 'string';
}

/**
 * The request of a Function URL call, in the shape of an invoke payload so both faces
 * share one validation: `GET /status` -> `{action: 'status'}`;
 * `GET /token?credential=NAME&minValiditySeconds=N&rejectedTokenHash=H` ->
 * `{credential, minValiditySeconds, rejectedTokenHash}`.
 * @throws MethodNotAllowed, NotFound, BadRequest
 */
export function parseHttpRequest(event: LambdaFunctionURLEvent): Record<string, unknown> {
  const method = event.requestContext.http.method.toUpperCase();
  if (event.rawPath !== '/token' && event.rawPath !== '/status') throw new NotFound(event.rawPath);
  if (method !== 'GET') throw new MethodNotAllowed(method);
  const query = parseQuery(event.rawQueryString ?? '');
  if (event.rawPath === '/status') {
    if (query.size > 0) throw new BadRequest('GET /status takes no query parameters');
    return { action: 'status' };
  }
  // Built as own properties (Object.fromEntries defines them): an assignment `fields[key]`
  // would turn `__proto__=x` into a prototype change and drop it, serving the token; as an
  // own key it is an unknown field, refused like any other.
  return Object.fromEntries(
    [...query].map(([key, value]) => {
      if (key === 'action') throw new BadRequest("unknown query parameter 'action': use GET /status");
      return [key, key === 'minValiditySeconds' && /^\d{1,10}$/.test(value) ? Number(value) : value];
    }),
  );
}

/**
 * Parses a raw query string strictly. Lambda's `queryStringParameters` joins repeated
 * keys with commas and hides broken escapes, so the raw string is read instead.
 */
export function parseQuery(raw: string): Map<string, string> {
  const result = new Map<string, string>();
  if (raw === '') return result;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    if (result.has(key)) throw new BadRequest(`query parameter '${key.slice(0, 40)}' is repeated`);
    result.set(key, value);
  }
  return result;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    throw new BadRequest('query string has invalid percent-encoding');
  }
}

/** A JSON response that no cache may keep (it may carry a token). */
function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
