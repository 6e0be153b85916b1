/**
 * What every transport shares: the request it sends, the token view it returns, and the
 * strict check of that view (a malformed answer must never be cached as a token).
 */
import type { TokenView } from '../../contract/index.js';
import { BrokerResponseInvalid } from '../errors.js';

/** The reader's success body: the contract's {@link TokenView}, under the client's name. */
export type BrokerToken = TokenView;

/** One read request, as both reader faces accept it. */
export interface TokenRequest {
  /** Credential set; omitted, the reader serves its default (first) set. */
  readonly credential?: string;
  /** The token must have more than this many seconds left. */
  readonly minValiditySeconds: number;
  /**
   * "Not this token": `rejectedTokenHash(token)` of a token the A55 API refused. The reader
   * then skips its cache and never answers with that token again (it asks for a refresh
   * and answers TokenUnavailable while the stored token is that one).
   */
  readonly rejectedTokenHash?: string;
}

/**
 * Fetches one token view from the broker: one call, no retries, no cache (the
 * {@link TokenBrokerClient} does those). Implement it to reach a broker some other way.
 *
 * @example
 * const fixed: TokenTransport = {
 *   description: 'fixed token for tests',
 *   fetchToken: async () => ({ credential: 'sandbox', accessToken: 't', tokenType: 'Bearer',
 *     expiresAt: new Date(Date.now() + 3_600_000).toISOString(), expiresIn: 3600 }),
 * };
 */
export interface TokenTransport {
  /** Names the broker in error messages, e.g. `function a55-reader`. */
  readonly description: string;
  /**
   * @throws a {@link TokenBrokerError}: the reader's own error (same name) or a transport
   *   failure ({@link BrokerAccessDenied}, {@link BrokerUnavailable}, {@link BrokerResponseInvalid}).
   */
  fetchToken(request: TokenRequest): Promise<BrokerToken>;
}

/**
 * Checks that `body` is a token view. The message names the faulty field but never
 * quotes the body: it may hold a token.
 */
export function parseBrokerToken(body: unknown, broker: string): BrokerToken {
  const invalid = (problem: string) =>
    new BrokerResponseInvalid(`the broker answered success with a malformed token view: ${problem}`, {
      broker,
    });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('not a JSON object');
  const { credential, accessToken, tokenType, expiresAt, expiresIn } = body as Record<string, unknown>;
  if (typeof credential !== 'string') throw invalid('credential is not a string');
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid('accessToken is missing');
  if (tokenType !== 'Bearer') throw invalid('tokenType is not Bearer');
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) {
    throw invalid('expiresAt is not an ISO-8601 date');
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
    throw invalid('expiresIn is not a number');
  return { credential, accessToken, tokenType, expiresAt, expiresIn };
}

/** Parses JSON text; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
