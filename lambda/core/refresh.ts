/**
 * The refresh use case: read the secret, get a token, validate it, store it if it is
 * the newest. Any failure leaves the stored token as it was.
 */
import type { CredentialConfig } from './credential-config.js';
import type { CredentialSource, PutResult, TokenEndpoint, TokenStore } from './ports.js';
import {
  DEFAULT_RETRY_POLICY,
  type RetryListener,
  type RetryPolicy,
  type RetryRuntime,
  withRetry,
} from './retry.js';
import { validateTokenResponse } from './token-rules.js';

/** Everything a refresh talks to. */
export interface RefreshDependencies extends RetryRuntime {
  readonly credentials: CredentialSource;
  readonly endpoint: TokenEndpoint;
  readonly store: TokenStore;
  readonly retryPolicy?: RetryPolicy;
  /** Per-attempt HTTP timeout. @default 10_000 */
  readonly requestTimeoutMs?: number;
  readonly onRetry?: RetryListener;
}

/** What a refresh did; carries no token. */
export interface RefreshResult {
  readonly credential: string;
  /** `superseded`: a token fetched later was already stored, so this one was dropped. */
  readonly outcome: PutResult;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Epoch seconds (fractional, millisecond precision) when the winning request was sent. */
  readonly fetchedAt: number;
  /** Token endpoint attempts made. */
  readonly attempts: number;
}

/** Default per-attempt timeout of the token request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Refreshes the token of one credential set.
 *
 * The secret is read on every call (no caching) so a rotation takes effect on the next
 * refresh. Retryable endpoint failures (429, 5xx, timeouts, network) and store
 * throttling are retried with full-jitter backoff until `deadlineMs`; refusals (400/401)
 * and malformed responses are not.
 *
 * @throws SecretUnavailable | SecretInvalid | TokenRequestRejected | TokenEndpointUnavailable
 *   | TokenResponseInvalid | TokenStoreError — nothing has been written in any of those cases.
 */
export async function refreshToken(
  config: CredentialConfig,
  deps: RefreshDependencies,
  options: { readonly deadlineMs: number },
): Promise<RefreshResult> {
  const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const timeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const retry = { policy, runtime: deps, deadlineMs: options.deadlineMs, onRetry: deps.onRetry };
  const {
    value: { clientId, clientSecret },
  } = await withRetry(() => deps.credentials.getCredentials(config), retry);

  const { value: fetched, attempts } = await withRetry(async () => {
    // Expiry counts from when the request left, so a slow answer can only shorten it.
    const sentAtMs = deps.clock.now();
    const remainingMs = options.deadlineMs - sentAtMs;
    const response = await deps.endpoint.requestToken({
      credential: config.name,
      tokenUrl: config.tokenUrl,
      clientAuth: config.clientAuth,
      clientId,
      clientSecret,
      timeoutMs: Math.max(1, Math.min(timeoutMs, remainingMs)),
      ...(config.scope === undefined ? {} : { scope: config.scope }),
    });
    return { token: validateTokenResponse(config.name, response.body, sentAtMs), sentAtMs };
  }, retry);

  const fetchedAt = fetched.sentAtMs / 1000;
  const { value: outcome } = await withRetry(
    () =>
      deps.store.put({
        credential: config.name,
        accessToken: fetched.token.accessToken,
        tokenType: 'Bearer',
        expiresAt: fetched.token.expiresAt,
        fetchedAt,
        ...(fetched.token.scope === undefined ? {} : { scope: fetched.token.scope }),
      }),
    retry,
  );
  return { credential: config.name, outcome, expiresAt: fetched.token.expiresAt, fetchedAt, attempts };
}
