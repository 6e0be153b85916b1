import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isRejectedTokenHash,
  REJECTED_TOKEN_HASH_LENGTH,
  REJECTED_TOKEN_HASH_PATTERN,
} from '../../../contract/rejected-token.js';

describe('Constant: REJECTED_TOKEN_HASH_PATTERN', () => {
  it('matches the first 16 lowercase hex characters of a SHA-256', () => {
    // Prepare
    const hash = createHash('sha256')
      .update('abc', 'utf8')
      .digest('hex')
      .slice(0, REJECTED_TOKEN_HASH_LENGTH);

    // Assess: the same vector as the Python client's test.
    expect(hash).toBe('ba7816bf8f01cfea');
    expect(REJECTED_TOKEN_HASH_PATTERN.test(hash)).toBe(true);
    expect(REJECTED_TOKEN_HASH_PATTERN.source).toBe(`^[0-9a-f]{${REJECTED_TOKEN_HASH_LENGTH}}$`);
  });
});

describe('Function: isRejectedTokenHash', () => {
  it.each(['0123456789abcdef', 'ffffffffffffffff'])('accepts %j', (value) => {
    expect(isRejectedTokenHash(value)).toBe(true);
  });

  it.each([
    '0123456789ABCDEF',
    '0123456789abcde',
    '0123456789abcdef0',
    '0123456789abcdeg',
    ' 0123456789abcdef',
    '0123456789abcdef\n',
    '',
    'eyJhbGciOiJIUzI1NiJ9.e30.x',
    16,
    null,
    undefined,
    ['0123456789abcdef'],
  ])('refuses %j', (value) => {
    expect(isRejectedTokenHash(value)).toBe(false);
  });
});
