/**
 * Expiry boundaries the token rules' other tests left open (issue #16): a JWT `exp` equal to
 * the send second, `expires_in` of exactly 7 days, validity compared strictly, whole seconds
 * counted down, and the Bearer-token character rule anchored at both ends.
 */
import { describe, expect, it } from 'vitest';
import { TokenResponseInvalid } from '../../../../lambda/core/errors.js';
import {
  hasValidityLeft,
  jwtExpiry,
  MAX_EXPIRES_IN_SECONDS,
  secondsRemaining,
  tooShortForSchedule,
  validateTokenResponse,
} from '../../../../lambda/core/token-rules.js';
import { fakeJwt } from '../../../fakes/in-memory.js';

const SENT_AT_MS = Date.UTC(2026, 10, 27, 12, 0, 0, 750);
const SENT_AT_S = Math.floor(SENT_AT_MS / 1000);
const valid = { access_token: 'opaque-token.abc', token_type: 'Bearer', expires_in: 3600 };

describe('Function: validateTokenResponse', () => {
  it('refuses a JWT whose exp is the very second the request was sent', () => {
    const body = { ...valid, access_token: fakeJwt({ exp: SENT_AT_S }) };
    expect(() => validateTokenResponse('sandbox', body, SENT_AT_MS)).toThrow(
      new TokenResponseInvalid('sandbox', 'the token (JWT exp claim) was already expired when it arrived'),
    );
  });

  it('takes a JWT whose exp is one second after the send second', () => {
    const body = { ...valid, access_token: fakeJwt({ exp: SENT_AT_S + 1 }) };
    expect(validateTokenResponse('sandbox', body, SENT_AT_MS).expiresAt).toBe(SENT_AT_S + 1);
  });

  it('keeps expires_in when the JWT exp is the same second it implies', () => {
    const body = { ...valid, access_token: fakeJwt({ exp: SENT_AT_S + 3600 }) };
    expect(validateTokenResponse('sandbox', body, SENT_AT_MS).expiresAt).toBe(SENT_AT_S + 3600);
  });

  it('accepts expires_in from 1 s to exactly 7 days, refuses one second more', () => {
    expect(MAX_EXPIRES_IN_SECONDS).toBe(604_800);
    expect(validateTokenResponse('sandbox', { ...valid, expires_in: 604_800 }, SENT_AT_MS).expiresAt).toBe(
      SENT_AT_S + 604_800,
    );
    expect(validateTokenResponse('sandbox', { ...valid, expires_in: 1 }, SENT_AT_MS).expiresAt).toBe(
      SENT_AT_S + 1,
    );
    expect(() => validateTokenResponse('sandbox', { ...valid, expires_in: 604_801 }, SENT_AT_MS)).toThrow(
      new TokenResponseInvalid(
        'sandbox',
        'expires_in is 604801, more than the 604800 seconds the broker accepts',
      ),
    );
  });

  it.each([
    ['undefined', undefined, 'expires_in is missing, expected a positive integer number of seconds'],
    ['0', 0, 'expires_in is 0, expected a positive integer number of seconds'],
  ])('says what expires_in was when it is %s', (_case, expiresIn, problem) => {
    expect(() => validateTokenResponse('sandbox', { ...valid, expires_in: expiresIn }, SENT_AT_MS)).toThrow(
      new TokenResponseInvalid('sandbox', problem),
    );
  });

  it.each(['abc==', 'a-b.c_d~e+f/g', 'A1'])('accepts the Bearer token %j', (accessToken) => {
    expect(
      validateTokenResponse('sandbox', { ...valid, access_token: accessToken }, SENT_AT_MS).accessToken,
    ).toBe(accessToken);
  });

  it.each(['=abc', 'abc=d', ' abc', 'abc ', 'ab\ncd'])('refuses the Bearer token %j', (accessToken) => {
    expect(() =>
      validateTokenResponse('sandbox', { ...valid, access_token: accessToken }, SENT_AT_MS),
    ).toThrow(
      new TokenResponseInvalid('sandbox', 'access_token contains characters not allowed in a Bearer token'),
    );
  });

  it.each([
    ['an empty scope', { ...valid, scope: '' }],
    ['a numeric scope', { ...valid, scope: 5 }],
    ['no scope', valid],
  ])('keeps no scope for %s', (_case, body) => {
    expect(validateTokenResponse('sandbox', body, SENT_AT_MS)).toStrictEqual({
      accessToken: valid.access_token,
      tokenType: 'Bearer',
      expiresAt: SENT_AT_S + 3600,
    });
  });

  it('keeps the granted scope', () => {
    expect(validateTokenResponse('sandbox', { ...valid, scope: 'a55/read' }, SENT_AT_MS).scope).toBe(
      'a55/read',
    );
  });
});

describe('Function: jwtExpiry', () => {
  it.each([
    ['a fractional exp, rounded down', fakeJwt({ exp: 1_800_000_000.9 }), 1_800_000_000],
    ['two parts', `${fakeJwt({ exp: 1 }).split('.').slice(0, 2).join('.')}`, undefined],
    ['four parts', `${fakeJwt({ exp: 1 })}.x`, undefined],
    ['an empty payload', 'a..c', undefined],
    ['a null payload', `a.${Buffer.from('null').toString('base64url')}.c`, undefined],
    ['a numeric payload', `a.${Buffer.from('5').toString('base64url')}.c`, undefined],
    ['an infinite exp', `a.${Buffer.from('{"exp":1e999}').toString('base64url')}.c`, undefined],
  ])('reads %s', (_case, token, expected) => {
    expect(jwtExpiry(token)).toBe(expected);
  });
});

describe('Function: hasValidityLeft', () => {
  const nowMs = SENT_AT_S * 1000;
  it.each([
    [3601, 3600, true],
    [3600, 3600, false],
    [3600.5, 3600, true],
    [1, 0, true],
    [0, 0, false],
  ])('a token with %j s left has more than %j s left: %j', (left, minSeconds, expected) => {
    expect(hasValidityLeft({ expiresAt: SENT_AT_S + left }, nowMs, minSeconds)).toBe(expected);
  });
});

describe('Function: secondsRemaining', () => {
  it('counts whole seconds, rounding the current second down', () => {
    expect(secondsRemaining({ expiresAt: SENT_AT_S + 10 }, SENT_AT_S * 1000 + 999)).toBe(9);
    expect(secondsRemaining({ expiresAt: SENT_AT_S + 10 }, SENT_AT_S * 1000)).toBe(10);
  });
});

describe('Function: tooShortForSchedule', () => {
  it('flags a token that would have exactly the default validity left at the next run, not one more second', () => {
    // 50-minute interval: 3000 s; a lifetime of 3300 s leaves 300 s, the default minValiditySeconds.
    expect(tooShortForSchedule({ expiresAt: SENT_AT_S + 3300 }, SENT_AT_MS, 3000)).toBe(true);
    expect(tooShortForSchedule({ expiresAt: SENT_AT_S + 3301 }, SENT_AT_MS, 3000)).toBe(false);
  });
});
