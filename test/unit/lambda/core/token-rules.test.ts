import { describe, expect, it } from 'vitest';
import { TokenResponseInvalid } from '../../../../lambda/core/errors.js';
import { jwtExpiry, secondsRemaining, validateTokenResponse } from '../../../../lambda/core/token-rules.js';
import { fakeJwt } from '../../../fakes/in-memory.js';

const SENT_AT_MS = Date.UTC(2026, 10, 27, 12, 0, 0, 750);
const SENT_AT_S = Math.floor(SENT_AT_MS / 1000);
const valid = { access_token: 'opaque-token.abc', token_type: 'Bearer', expires_in: 3600 };

describe('Function: validateTokenResponse', () => {
  it('counts expiry from when the request was sent', () => {
    // Act
    const token = validateTokenResponse('default', valid, SENT_AT_MS);

    // Assess
    expect(token).toEqual({
      accessToken: 'opaque-token.abc',
      tokenType: 'Bearer',
      expiresAt: SENT_AT_S + 3600,
    });
  });

  it.each(['bearer', 'BEARER', 'Bearer'])(
    'accepts token_type %s case-insensitively and normalises it',
    (type) => {
      expect(validateTokenResponse('default', { ...valid, token_type: type }, SENT_AT_MS).tokenType).toBe(
        'Bearer',
      );
    },
  );

  it('keeps the granted scope when the server says it', () => {
    expect(validateTokenResponse('default', { ...valid, scope: 'payments/read' }, SENT_AT_MS).scope).toBe(
      'payments/read',
    );
  });

  it('takes the JWT exp claim when it is earlier than expires_in implies', () => {
    // Prepare
    const exp = SENT_AT_S + 1800;
    const body = { ...valid, access_token: fakeJwt({ exp, sub: 'client-1' }) };

    // Act & Assess
    expect(validateTokenResponse('default', body, SENT_AT_MS).expiresAt).toBe(exp);
  });

  it('keeps expires_in when the JWT exp claim is later', () => {
    const body = { ...valid, access_token: fakeJwt({ exp: SENT_AT_S + 7200 }) };
    expect(validateTokenResponse('default', body, SENT_AT_MS).expiresAt).toBe(SENT_AT_S + 3600);
  });

  it.each([
    ['a JSON array', [], 'body is an array'],
    ['null', null, 'body is null'],
    ['a string', 'token', 'body is a string'],
    ['no access_token', { token_type: 'Bearer', expires_in: 3600 }, 'access_token is missing'],
    ['an empty access_token', { ...valid, access_token: '' }, 'access_token is empty'],
    ['a numeric access_token', { ...valid, access_token: 42 }, 'access_token is a number'],
    ['an access_token with spaces', { ...valid, access_token: 'a b' }, 'characters not allowed'],
    ['token_type mac', { ...valid, token_type: 'mac' }, 'token_type is not Bearer'],
    ['a numeric token_type', { ...valid, token_type: 7 }, 'token_type is a number'],
    ['no token_type', { access_token: 'x', expires_in: 3600 }, 'token_type is missing'],
    ['no expires_in', { access_token: 'x', token_type: 'Bearer' }, 'expires_in is missing'],
    ['expires_in 0', { ...valid, expires_in: 0 }, 'expires_in is 0'],
    ['a negative expires_in', { ...valid, expires_in: -5 }, 'expires_in is -5'],
    ['a fractional expires_in', { ...valid, expires_in: 3600.5 }, 'expires_in is 3600.5'],
    ['expires_in as a string', { ...valid, expires_in: '3600' }, 'expires_in is a string'],
    ['an absurd expires_in', { ...valid, expires_in: 10 ** 12 }, 'more than the'],
    [
      'a JWT already expired',
      { ...valid, access_token: fakeJwt({ exp: SENT_AT_S - 10 }) },
      'already expired',
    ],
  ])('rejects %s', (_case, body, problem) => {
    // Act
    const act = () => validateTokenResponse('sandbox', body, SENT_AT_MS);

    // Assess
    expect(act).toThrow(TokenResponseInvalid);
    expect(act).toThrow(problem);
    expect(act).toThrow("credential 'sandbox'");
  });

  it('never shows the token_type it got: an echoing server may have put the secret there', () => {
    const act = () => validateTokenResponse('default', { ...valid, token_type: 'client_secret=s3cr3t' }, 0);
    expect(act).toThrow('token_type is not Bearer');
    expect(act).not.toThrow('s3cr3t');
    expect(act).not.toThrow('client_secret');
  });

  it('never puts the token into its error message', () => {
    const secretToken = 'canary-token-value';
    const act = () =>
      validateTokenResponse('default', { ...valid, access_token: secretToken, token_type: 'mac' }, 0);
    expect(act).toThrow(TokenResponseInvalid);
    expect(act).not.toThrow(secretToken);
  });
});

describe('Function: jwtExpiry', () => {
  it('reads a numeric exp claim', () => {
    expect(jwtExpiry(fakeJwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000);
  });

  it.each([
    ['an opaque token', 'abc'],
    ['a JWT without exp', fakeJwt({ sub: 'x' })],
    ['a JWT with a string exp', fakeJwt({ exp: '1800000000' })],
    ['three dotted parts that are not base64 JSON', 'a.b.c'],
  ])('returns undefined for %s', (_case, token) => {
    expect(jwtExpiry(token)).toBeUndefined();
  });
});

describe('Function: secondsRemaining', () => {
  it('counts whole seconds and goes negative after expiry', () => {
    expect(secondsRemaining({ expiresAt: 1000 }, 400_500)).toBe(599);
    expect(secondsRemaining({ expiresAt: 1000 }, 1_010_000)).toBe(-10);
  });
});
