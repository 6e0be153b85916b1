/**
 * The read-miss rules on their own (issue #16): each boundary of "a refresh could not help",
 * "rejected again" and "a failure no retry fixes", and the exact reason and advice of every
 * TokenUnavailable a reader answers.
 */
import { describe, expect, it } from 'vitest';
import {
  REJECTED_AGAIN_INTERVAL_SECONDS,
  STORED_ITEM_CLOCK_SKEW_SECONDS,
} from '../../../../contract/index.js';
import type { RefreshClaim } from '../../../../lambda/core/errors.js';
import type { StoredToken } from '../../../../lambda/core/ports.js';
import {
  finalFailureOf,
  pointlessRefresh,
  readMiss,
  rejectedAgain,
} from '../../../../lambda/core/read-miss.js';

const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;
const token = (fetchedAgo: number, lifetime = 3600): StoredToken => ({
  credential: 'sandbox',
  accessToken: 'token-1',
  tokenType: 'Bearer',
  fetchedAt: NOW_S - fetchedAgo,
  expiresAt: NOW_S - fetchedAgo + lifetime,
});

describe('Function: pointlessRefresh', () => {
  it.each([
    ['lives exactly minValiditySeconds', token(600, 1800), 1800, 'no-token-lasts-long-enough'],
    ['lives a second more', token(600, 1801), 1800, undefined],
    ['was fetched exactly the interval ago', token(60), 300, 'token-just-fetched'],
    ['was fetched a second more ago', token(61), 300, undefined],
    ['is dated exactly the skew ahead', token(-STORED_ITEM_CLOCK_SKEW_SECONDS), 300, 'token-just-fetched'],
    ['is dated beyond the skew', token(-STORED_ITEM_CLOCK_SKEW_SECONDS - 1), 300, undefined],
  ])('a token that %s: %j', (_case, stored, minValiditySeconds, why) => {
    expect(pointlessRefresh(stored, minValiditySeconds, NOW_MS, 60)).toBe(why);
  });
});

describe('Function: rejectedAgain', () => {
  it.each([
    ['no request was recorded', undefined, token(10), false],
    ['the token predates the request', NOW_S - 5, token(10), false],
    ['the token was fetched at the request', NOW_S - 10, token(10), true],
    ['the request was exactly the interval ago', NOW_S - REJECTED_AGAIN_INTERVAL_SECONDS, token(0), false],
    ['the request was a second less ago', NOW_S - REJECTED_AGAIN_INTERVAL_SECONDS + 1, token(0), true],
    ['the token is dated exactly the skew ahead', NOW_S - 10, token(-STORED_ITEM_CLOCK_SKEW_SECONDS), true],
    ['the token is dated beyond the skew', NOW_S - 10, token(-STORED_ITEM_CLOCK_SKEW_SECONDS - 1), false],
  ])('when %s: %j', (_case, refreshRequestedAt, stored, expected) => {
    const state = refreshRequestedAt === undefined ? {} : { refreshRequestedAt };
    expect(rejectedAgain(state, stored, NOW_MS)).toBe(expected);
  });
});

describe('Function: finalFailureOf', () => {
  const failure = (at: number, retryable?: boolean) => ({
    name: 'SecretInvalid',
    message: 'm',
    at,
    ...(retryable === undefined ? {} : { retryable }),
  });

  it.each([
    ['a retryable failure', { lastFailure: failure(10, true) }, false],
    ['a failure recorded without retryable', { lastFailure: failure(10) }, false],
    ['a final failure, never a success', { lastFailure: failure(10, false) }, true],
    ['a final failure after the last success', { lastFailure: failure(10, false), lastSuccessAt: 9 }, true],
    [
      'a final failure at the same second as the success',
      { lastFailure: failure(10, false), lastSuccessAt: 10 },
      false,
    ],
    [
      'a final failure before the last success',
      { lastFailure: failure(10, false), lastSuccessAt: 11 },
      false,
    ],
  ])('%s: %j', (_case, state, final) => {
    expect(finalFailureOf(state) !== undefined).toBe(final);
  });
});

describe('Function: readMiss', () => {
  const request = { credential: 'sandbox', minValiditySeconds: 300 };
  const miss = (stored: StoredToken | undefined, claim: RefreshClaim, rejected = false, finalName?: string) =>
    readMiss(
      request,
      { token: stored, rejected, atMs: NOW_MS },
      { claim, ...(finalName ? { finalFailure: { name: finalName, message: 'm', at: 1 } } : {}) },
      60,
    );

  it.each([
    ['nothing stored', undefined, "no usable token for credential 'sandbox': no token is stored yet;"],
    [
      'an expired token',
      token(3700),
      "no usable token for credential 'sandbox': the stored token expired 100 s ago;",
    ],
    [
      'a token expiring now',
      token(3600),
      "no usable token for credential 'sandbox': the stored token expired 0 s ago;",
    ],
    [
      'a token with too little left',
      token(3400),
      "no usable token for credential 'sandbox': the stored token has 200 s left, not more than the 300 s asked for;",
    ],
  ])('says why with %s', (_case, stored, start) => {
    const error = miss(stored, { outcome: 'requested' });
    expect(error.message.startsWith(start)).toBe(true);
    expect(error.message).toContain('the refresher may not have run yet');
    expect(error.refreshClaim).toEqual({ outcome: 'requested' });
  });

  it('names the final failure, or says an error when none is known', () => {
    const claim: RefreshClaim = { outcome: 'withheld', why: 'last-failure-not-retryable' };
    expect(miss(undefined, claim, false, 'SecretInvalid').message).toBe(
      "no usable token for credential 'sandbox': no token is stored yet; the last refresh failed with SecretInvalid, " +
        'which a retry cannot fix, so the reader does not ask for another: fix the secret or the configuration ' +
        '(GET /status shows the failure); a new secret version is refreshed at once',
    );
    expect(miss(undefined, claim).message).toContain('the last refresh failed with an error, which');
  });

  it('says how long tokens live when none could serve the validity asked for', () => {
    expect(miss(token(3400), { outcome: 'withheld', why: 'no-token-lasts-long-enough' }).message).toMatch(
      /; tokens of this credential live 3600 s, so a fresh one could not serve 300 s either: ask for a smaller minValiditySeconds$/,
    );
  });

  it('says how recently the token was fetched', () => {
    expect(miss(token(3400), { outcome: 'withheld', why: 'token-just-fetched' }).message).toMatch(
      /; the stored token was fetched 3400 s ago, too recently to ask for another \(at most one per 60 s\)$/,
    );
  });

  it('says why a token rejected again is not replaced yet', () => {
    expect(miss(token(100), { outcome: 'withheld', why: 'rejected-again' }, true).message).toBe(
      "no usable token for credential 'sandbox': the stored token is the one the caller rejected (rejectedTokenHash); " +
        `the stored token was fetched in answer to a refresh request less than ${REJECTED_AGAIN_INTERVAL_SECONDS} s ago ` +
        'and is rejected too, so the reader does not ask for another yet: a new one would most likely be rejected as well; ' +
        'check that the A55 API accepts this client (its scope, its environment)',
    );
  });

  it.each(['requested', 'already-requested'] as const)(
    'tells a caller whose token was rejected to come back when the refresh was %s',
    (outcome) => {
      expect(miss(token(100), { outcome }, true).message).toMatch(
        /rejectedTokenHash\); the reader asked the refresher for a new one: try again after Retry-After$/,
      );
    },
  );

  it.each([
    [
      'a withheld reason without a token',
      undefined,
      { outcome: 'withheld', why: 'token-just-fetched' },
      false,
    ],
    ['a rejected token whose claim is off', token(100), { outcome: 'off' }, true],
    ['a rejected token whose claim failed', token(100), { outcome: 'failed', error: new Error('x') }, true],
  ] as const)('gives the default advice for %s', (_case, stored, claim, rejected) => {
    expect(miss(stored, claim as RefreshClaim, rejected).message).toMatch(
      /; the refresher may not have run yet or may be failing \(check its logs and the RefreshFailed metric\)$/,
    );
  });
});
