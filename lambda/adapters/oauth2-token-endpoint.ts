/**
 * The OAuth 2.0 client-credentials token request (RFC 6749 section 4.4) over `fetch`:
 * one attempt per call, with a timeout and a cap on the response size. Failures are
 * classified for the core's retry rules; no message ever holds the secret or the token.
 */

import { parseRetryAfter } from '../../contract/index.js';
import { TokenEndpointUnavailable, TokenRequestRejected, TokenResponseInvalid } from '../core/errors.js';
import type { RawTokenResponse, TokenEndpoint, TokenRequest } from '../core/ports.js';
import { basicCredentials } from '../core/redaction.js';
import { adviceFor, readOAuthError } from './oauth2-errors.js';

/** Options of {@link FetchTokenEndpoint}. */
export interface FetchTokenEndpointOptions {
  /**
   * Largest response body read, in bytes; a token response is a few KiB, so more means
   * the URL is not a token endpoint, and it is not buffered.
   * @default 65536
   */
  readonly maxBodyBytes?: number;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Clock for `Retry-After` dates. @default Date.now */
  readonly now?: () => number;
}

/** A {@link TokenEndpoint} that POSTs a form-encoded client-credentials request. */
export class FetchTokenEndpoint implements TokenEndpoint {
  readonly #maxBodyBytes: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: FetchTokenEndpointOptions = {}) {
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
  }

  /** @inheritdoc */
  async requestToken(request: TokenRequest): Promise<RawTokenResponse> {
    const { credential } = request;
    const signal = AbortSignal.timeout(request.timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(request.tokenUrl, {
        method: 'POST',
        ...buildRequest(request),
        // A redirect would resend the client secret to another place: refuse it.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw new TokenEndpointUnavailable(credential, describeNetworkError(error, request.timeoutMs));
    }

    // Throttling and outages are told by the status alone: the body (an error page of any
    // size) is not read, so a large one cannot turn a retryable answer into a refusal.
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      throw new TokenEndpointUnavailable(
        credential,
        `HTTP ${response.status}${retryAfter === undefined ? '' : ` (Retry-After ${retryAfter} s)`}`,
        retryAfter,
      );
    }
    const success = response.status >= 200 && response.status < 300;

    let text: string | undefined;
    try {
      text = await readCapped(response, this.#maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) {
        throw new TokenEndpointUnavailable(
          credential,
          `HTTP ${response.status}, then ${describeNetworkError(error, request.timeoutMs)} while reading the body`,
        );
      }
      if (success) {
        throw new TokenResponseInvalid(
          credential,
          `response body is larger than ${this.#maxBodyBytes} bytes`,
        );
      }
      // A refusal with an oversized body: refused all the same, without a code to read.
    }

    if (!success) {
      const oauthError = text === undefined ? undefined : readOAuthError(text);
      throw new TokenRequestRejected(
        credential,
        response.status,
        oauthError,
        adviceFor(response.status, oauthError),
      );
    }

    const body = text ?? '';
    try {
      return { body: JSON.parse(body) as unknown };
    } catch {
      throw new TokenResponseInvalid(
        credential,
        body.length === 0
          ? 'response body is empty'
          : `response body is not JSON (${describeContentType(response.headers.get('content-type'))})`,
      );
    }
  }
}

/** RFC 9110 media type (type/subtype tokens), in lowercase: all of a content-type that is shown. */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,40}\/[a-z0-9!#$&^_.+-]{1,60}$/;

/**
 * The content-type's media type, for the message; its parameters are dropped and anything
 * that is not a plain media type is not shown (no header value is echoed as it came).
 */
function describeContentType(header: string | null): string {
  if (header === null) return 'no content-type';
  const mediaType = (header.split(';', 1)[0] ?? '').trim().toLowerCase();
  return MEDIA_TYPE.test(mediaType) ? mediaType : 'an unrecognised content-type';
}

/** Headers and body of the request, per the client authentication method. */
function buildRequest(request: TokenRequest): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope !== undefined) form.set('scope', request.scope);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (request.clientAuth === 'client_secret_basic') {
    // RFC 6749 2.3.1: each part is form-urlencoded before the Basic encoding (one encoder,
    // shared with the refresh's redaction, so it redacts exactly what was sent).
    headers.authorization = `Basic ${basicCredentials(request)}`;
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }
  return { headers, body: form.toString() };
}

/** Raised when a body passes the size cap; the rest is not read. */
class BodyTooLarge extends Error {}

/** Reads the body as UTF-8, giving up (and cancelling the stream) past `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, secret-free description of a fetch failure. */
function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms (timeout)`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code =
    typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown error';
  return `connection failed (${code})`;
}
