/**
 * The reader's side of "not this token": the `rejectedTokenHash` of a stored token, to
 * compare with the one a caller sends (contract/rejected-token.ts). The client computes the
 * same value with node:crypto or Python's hashlib; the token itself is never sent back.
 */
import { createHash } from 'node:crypto';
import { REJECTED_TOKEN_HASH_LENGTH } from '../../contract/index.js';

/** The first 16 lowercase hex characters of the SHA-256 of `accessToken`'s UTF-8 bytes. */
export function rejectedTokenHashOf(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'utf8').digest('hex').slice(0, REJECTED_TOKEN_HASH_LENGTH);
}
