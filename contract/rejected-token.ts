/**
 * "Not this token" (docs/design.md, Reader): a caller whose token the A55 API rejected tells
 * the reader which token it was, never the token itself, as `rejectedTokenHash` (an invoke
 * payload field and a URL query parameter). The client computes it (node:crypto, Python
 * hashlib), the reader compares it with the stored token's; this module only holds the
 * shape, since the contract imports nothing, not even a hash function.
 */
import { MIN_VALIDITY_SECONDS } from './limits.js';

/** Lowercase hex characters of the SHA-256 of the access token that make up the hash. */
export const REJECTED_TOKEN_HASH_LENGTH = 16;

/**
 * A well-formed `rejectedTokenHash`: the first {@link REJECTED_TOKEN_HASH_LENGTH} lowercase
 * hex characters of the SHA-256 (over the token's UTF-8 bytes) of the rejected token. 64
 * bits tell one token from the next without making the field a usable token fingerprint
 * for anyone who has only the logs.
 */
export const REJECTED_TOKEN_HASH_PATTERN = /^[0-9a-f]{16}$/;

/** The hash rule as people read it in error messages. */
export const REJECTED_TOKEN_HASH_RULE =
  'must be the first 16 lowercase hex characters of the SHA-256 of the rejected access token';

/** True when `value` is a well-formed `rejectedTokenHash`. */
export function isRejectedTokenHash(value: unknown): value is string {
  return typeof value === 'string' && REJECTED_TOKEN_HASH_PATTERN.test(value);
}

/**
 * A token fetched in answer to a reader's refresh request is not replaced again when it is
 * reported rejected within this many seconds of that request: a token rejected right
 * after a replacement of its own would most likely be rejected again (the A55 API refuses
 * the client, not the token), and no caller can turn rejections into more than one refresh
 * per half token lifetime, the bound {@link MIN_VALIDITY_SECONDS} keeps for validity.
 * A token fetched otherwise (the schedule, a rotation) is replaced at its first rejection.
 */
export const REJECTED_AGAIN_INTERVAL_SECONDS = MIN_VALIDITY_SECONDS.max;
