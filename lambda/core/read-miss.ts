/**
 * The reader's rules for a read it cannot serve (docs/design.md, Self-healing): whether
 * asking the refresher could help, and the TokenUnavailable that says why and what to do.
 * No caller can raise token-endpoint traffic through them: a refresh is asked for only
 * when a fresh token could serve the request, the stored one is older than the claim
 * interval, and the last refresh did not fail in a way a retry cannot fix.
 */
import { REJECTED_AGAIN_INTERVAL_SECONDS, STORED_ITEM_CLOCK_SKEW_SECONDS } from '../../contract/index.js';
import { type RefreshClaim, type RefreshWithheld, TokenUnavailable } from './errors.js';
import type { CredentialState, RecordedFailure, StoredToken } from './ports.js';
import type { ReadRequest } from './read-request.js';
import { secondsRemaining } from './token-rules.js';

/** A refresh claim's outcome, and the failure that withheld it when one did. */
export interface ClaimResult {
  readonly claim: RefreshClaim;
  readonly finalFailure?: RecordedFailure;
}

/**
 * Why asking for a refresh could not get a token that serves the request, if so: a fresh
 * token lives about as long as the stored one did and is served only with strictly more
 * than `minValiditySeconds` left; and a token fetched within the claim interval would
 * only be replaced by one just like it. An item dated in the future (beyond the clock
 * skew) cannot be right, so its age and lifetime tell nothing: a refresh replaces it.
 */
export function pointlessRefresh(
  token: StoredToken,
  minValiditySeconds: number,
  nowMs: number,
  intervalSeconds: number,
): RefreshWithheld | undefined {
  if (token.fetchedAt > nowMs / 1000 + STORED_ITEM_CLOCK_SKEW_SECONDS) return undefined;
  if (token.expiresAt - token.fetchedAt <= minValiditySeconds) return 'no-token-lasts-long-enough';
  if (nowMs / 1000 - token.fetchedAt <= intervalSeconds) return 'token-just-fetched';
  return undefined;
}

/**
 * True when `token`, reported rejected, was fetched in answer to a reader's refresh request
 * made less than REJECTED_AGAIN_INTERVAL_SECONDS ago: it is not replaced again before then
 * (contract/rejected-token.ts). The state item records when the last request was made; a
 * token fetched after it is that request's answer (or a later scheduled one's).
 */
export function rejectedAgain(state: CredentialState, token: StoredToken, nowMs: number): boolean {
  const requestedAt = state.refreshRequestedAt;
  const nowSeconds = nowMs / 1000;
  return (
    requestedAt !== undefined &&
    token.fetchedAt >= requestedAt &&
    // A future-dated item answers no request: it cannot be right and is replaced.
    token.fetchedAt <= nowSeconds + STORED_ITEM_CLOCK_SKEW_SECONDS &&
    nowSeconds - requestedAt < REJECTED_AGAIN_INTERVAL_SECONDS
  );
}

/**
 * The last failure when a refresh cannot fix it: recorded as not retryable and newer than
 * the last success. Failures recorded without `retryable` count as retryable, as they did.
 * A new secret version lifts it: its rotation event invokes the refresher directly, which
 * records a new outcome.
 */
export function finalFailureOf(state: CredentialState): RecordedFailure | undefined {
  const failure = state.lastFailure;
  if (failure?.retryable !== false) return undefined;
  return state.lastSuccessAt === undefined || failure.at > state.lastSuccessAt ? failure : undefined;
}

/** The TokenUnavailable for a request no stored token could serve, saying why and what to do. */
export function readMiss(
  request: ReadRequest,
  found: { readonly token: StoredToken | undefined; readonly rejected: boolean; readonly atMs: number },
  { claim, finalFailure }: ClaimResult,
  intervalSeconds: number,
): TokenUnavailable {
  const { credential, minValiditySeconds } = request;
  const { token, rejected, atMs } = found;
  const left = token ? secondsRemaining(token, atMs) : undefined;
  const reason = rejected
    ? 'the stored token is the one the caller rejected (rejectedTokenHash)'
    : left === undefined
      ? 'no token is stored yet'
      : left <= 0
        ? `the stored token expired ${-left} s ago`
        : `the stored token has ${left} s left, not more than the ${minValiditySeconds} s asked for`;
  let advice: string | undefined;
  if (claim.outcome === 'withheld' && claim.why === 'last-failure-not-retryable') {
    // The name only: the recorded message and code are the refresher's, shown by /status.
    advice =
      `the last refresh failed with ${finalFailure?.name ?? 'an error'}, which a retry cannot fix, so the reader ` +
      'does not ask for another: fix the secret or the configuration (GET /status shows the failure); ' +
      'a new secret version is refreshed at once';
  } else if (token && claim.outcome === 'withheld' && claim.why === 'no-token-lasts-long-enough') {
    const lifetime = Math.round(token.expiresAt - token.fetchedAt);
    advice =
      `tokens of this credential live ${lifetime} s, so a fresh one could not serve ${minValiditySeconds} s ` +
      'either: ask for a smaller minValiditySeconds';
  } else if (token && claim.outcome === 'withheld' && claim.why === 'token-just-fetched') {
    const age = Math.floor(atMs / 1000 - token.fetchedAt);
    advice = `the stored token was fetched ${age} s ago, too recently to ask for another (at most one per ${intervalSeconds} s)`;
  } else if (token && claim.outcome === 'withheld' && claim.why === 'rejected-again') {
    advice =
      'the stored token was fetched in answer to a refresh request less than ' +
      `${REJECTED_AGAIN_INTERVAL_SECONDS} s ago and is rejected too, so the reader does not ask for another yet: ` +
      'a new one would most likely be rejected as well; check that the A55 API accepts this client (its scope, its environment)';
  } else if (rejected && (claim.outcome === 'requested' || claim.outcome === 'already-requested')) {
    advice = 'the reader asked the refresher for a new one: try again after Retry-After';
  }
  return new TokenUnavailable(credential, reason, { refreshClaim: claim, ...(advice ? { advice } : {}) });
}
