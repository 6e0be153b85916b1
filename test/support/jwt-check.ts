/**
 * Local checks of JWT access tokens issued by the test OAuth server, and a claims decoder
 * for assertions. Only what the tests need: ES256, one key; not a general JWT library.
 */
import { type KeyObject, verify } from 'node:crypto';

/**
 * What the introspection endpoint (or, for JWTs, {@link verifyEs256Jwt}) says about a
 * token. Declared here rather than next to the test OAuth server so that this module
 * imports nothing of it: the server depends on the checker, never the other way round.
 */
export interface IntrospectionResult {
  readonly active: boolean;
  readonly client_id?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly iss?: string;
  readonly scope?: string;
  readonly aud?: string | string[];
  readonly token_type?: string;
  readonly [claim: string]: unknown;
}

/** The decoded, unverified parts of a compact JWS; throws when `token` is not one. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  if (header === undefined || payload === undefined || token.split('.').length !== 3) {
    throw new Error('not a compact JWT (expected three dot-separated parts)');
  }
  return { header: parseSegment(header), payload: parseSegment(payload) };
}

/**
 * Answers like an introspection endpoint: `{ active: true, ...claims }` when the ES256
 * signature verifies with `publicKey`, `iss` is `issuer` and `exp` is in the future;
 * `{ active: false }` otherwise.
 */
export function verifyEs256Jwt(token: string, publicKey: KeyObject, issuer: string): IntrospectionResult {
  let decoded: ReturnType<typeof decodeJwt>;
  try {
    decoded = decodeJwt(token);
  } catch {
    return { active: false };
  }
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    // JWS carries ECDSA signatures as raw r||s, not DER.
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  const claims = decoded.payload;
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const active = decoded.header.alg === 'ES256' && signed && claims.iss === issuer && exp > Date.now() / 1000;
  return active ? { ...claims, active: true } : { active: false };
}

function parseSegment(segment: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('JWT segment is not a JSON object');
  }
  return value as Record<string, unknown>;
}
