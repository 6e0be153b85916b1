import { describe, expect, it } from 'vitest';
import {
  KNOWN_OAUTH_ERROR_CODES,
  OTHER_OAUTH_ERROR_CODE,
  passedOnOAuthError,
  refusalCode,
} from '../../../contract/oauth-errors.js';

describe('Constant: KNOWN_OAUTH_ERROR_CODES', () => {
  it('holds the RFC 6749 section 5.2 token endpoint codes', () => {
    expect(KNOWN_OAUTH_ERROR_CODES).toEqual(
      expect.arrayContaining([
        'invalid_request',
        'invalid_client',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
      ]),
    );
  });

  it('holds only lowercase RFC 6749 error-code characters, none of them an Object property name', () => {
    for (const code of KNOWN_OAUTH_ERROR_CODES) {
      expect(code).toMatch(/^[a-z_]{1,32}$/);
      expect(code in Object.prototype).toBe(false);
    }
  });
});

describe('Function: passedOnOAuthError', () => {
  it.each(KNOWN_OAUTH_ERROR_CODES.map((code) => [code]))('passes on %s', (code) => {
    expect(passedOnOAuthError(code)).toBe(code);
  });

  it.each([
    ['an unknown code', 'unknown_thing'],
    ['an echoed secret', 'client_secret=s3cr3t'],
    ['a known code in other case', 'INVALID_CLIENT'],
    ['a known code with spaces', ' invalid_client'],
    ['constructor', 'constructor'],
    ['__proto__', '__proto__'],
    ['toString', 'toString'],
    ['an empty string', ''],
    ['a number', 400],
    ['null', null],
    ['an object', { error: 'invalid_client' }],
  ])('turns %s into other', (_case, value) => {
    expect(passedOnOAuthError(value)).toBe(OTHER_OAUTH_ERROR_CODE);
  });

  it('answers undefined when the body had no error member', () => {
    expect(passedOnOAuthError(undefined)).toBeUndefined();
  });
});

describe('Function: refusalCode', () => {
  it.each([
    [401, 'invalid_client', 'invalid_client'],
    [400, 'other', 'other'],
    [403, undefined, 'http_403'],
    [302, undefined, 'http_302'],
  ] as const)('HTTP %i with %s -> %s', (status, code, expected) => {
    expect(refusalCode(status, code)).toBe(expected);
  });
});
