/**
 * "Not this token" (docs/design.md, Reader): the client tells the reader which token the
 * A55 API rejected by a short hash of it, never by the token itself. The shape (length,
 * pattern) is the contract's; the hash function lives here because the contract imports
 * nothing, not even node:crypto.
 */
import { createHash } from 'node:crypto';
import { REJECTED_TOKEN_HASH_LENGTH } from '../contract/index.js';

/**
 * The `rejectedTokenHash` of `token`: the first 16 lowercase hex characters of the SHA-256
 * of its UTF-8 bytes (the contract's `REJECTED_TOKEN_HASH_PATTERN`).
 * @example rejectedTokenHash('abc') // 'ba7816bf8f01cfea'
 */
export function rejectedTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, REJECTED_TOKEN_HASH_LENGTH);
}
