/**
 * The reader's Function URL face: turns a Lambda Function URL event (payload v2) into a
 * read request, and results or errors into HTTP responses. Like middy's
 * http-error-handler, only client errors (< 500) show their message; server errors
 * answer a fixed text so no internal detail leaves the function.
 */
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { BadRequest, BrokerError, MethodNotAllowed, NotFound, TokenUnavailable } from '../core/errors.js';

/** True when `event` came through the Function URL rather than a direct invoke. */
export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  if (typeof event !== 'object' || event === null) return false;
  const { requestContext, rawPath } = event as Partial<LambdaFunctionURLEvent>;
  return typeof rawPath === 'string' && typeof requestContext?.http?.method === 'string';
}

/**
 * The request of a Function URL call, in the shape of an invoke payload so both faces
 * share one validation: `GET /status` -> `{action: 'status'}`;
 * `GET /token?credential=NAME&minValiditySeconds=N` -> `{credential, minValiditySeconds}`.
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
  const fields: Record<string, unknown> = {};
  for (const [key, value] of query) {
    if (key === 'action') throw new BadRequest("unknown query parameter 'action': use GET /status");
    fields[key] = key === 'minValiditySeconds' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  }
  return fields;
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
export function jsonResponse(
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

/** Maps an error to its HTTP answer: `{"error": name, "message": text}`. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof BrokerError && error.status < 500) {
    const headers: Record<string, string> = error instanceof MethodNotAllowed ? { allow: 'GET' } : {};
    return jsonResponse(error.status, { error: error.name, message: error.message }, headers);
  }
  if (error instanceof TokenUnavailable) {
    // A 503 the caller can act on: its message names no internals, only the credential.
    return jsonResponse(
      503,
      { error: error.name, message: error.message },
      { 'retry-after': String(error.retryAfterSeconds) },
    );
  }
  return jsonResponse(500, { error: 'InternalError', message: 'internal error; see the reader logs' });
}
