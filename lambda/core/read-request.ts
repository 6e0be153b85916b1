/**
 * What a caller of the reader may ask: an invoke payload (or the payload-shaped fields the
 * reader face takes from a Function URL request), validated against the configured names.
 * Only a payload's own fields count: `__proto__`, `constructor` or `prototype` is an
 * unknown field like any other, and nothing inherited is ever read as a field.
 */
import {
  CREDENTIAL_NAME_RULE,
  describeJsonType,
  integerRangeProblem,
  isCredentialName,
  isRejectedTokenHash,
  MIN_VALIDITY_SECONDS,
  REJECTED_TOKEN_HASH_RULE,
} from '../../contract/index.js';
import { BadRequest, UnknownCredential } from './errors.js';

/** A validated token request. */
export interface ReadRequest {
  readonly credential: string;
  readonly minValiditySeconds: number;
  /**
   * The caller's token was rejected by the A55 API: the reader must not serve the token
   * with this hash (contract/rejected-token.ts) and asks for a new one when it is the stored one.
   */
  readonly rejectedTokenHash?: string;
}

/** What a caller of the reader asked for. */
export type ReaderRequest =
  | { readonly action: 'token'; readonly request: ReadRequest }
  | { readonly action: 'status' };

const READ_FIELDS = new Set(['action', 'credential', 'minValiditySeconds', 'rejectedTokenHash']);

/** The value of `payload`'s own field `key`; undefined when it has none (inherited ones never count). */
function own(payload: object, key: string): unknown {
  return Object.hasOwn(payload, key) ? (payload as Record<string, unknown>)[key] : undefined;
}

/**
 * Validates an invoke payload: `{"action": "status"}` asks for the status answer;
 * anything else (with `action` absent or `"token"`) is a token request, see {@link parseReadRequest}.
 * @throws BadRequest, UnknownCredential
 */
export function parseReaderRequest(payload: unknown, credentialNames: readonly string[]): ReaderRequest {
  const action =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? own(payload, 'action')
      : undefined;
  if (action === 'status') {
    const extra = Object.keys(payload as object).filter((key) => key !== 'action');
    if (extra.length > 0) throw new BadRequest('a status request takes no other field than action');
    return { action: 'status' };
  }
  if (action !== undefined && action !== 'token') {
    throw new BadRequest(
      `action must be 'token' or 'status', got ${typeof action === 'string' ? `'${action.slice(0, 20)}'` : describeJsonType(action)}`,
    );
  }
  return { action: 'token', request: parseReadRequest(payload, credentialNames) };
}

/**
 * Validates a token request against the configured credential names. `credential`
 * defaults to the first configured set, `minValiditySeconds` to the contract's default.
 *
 * @throws BadRequest when the payload is not an object, has unknown fields or wrong types.
 * @throws UnknownCredential when the name is well-formed but not configured.
 */
export function parseReadRequest(payload: unknown, credentialNames: readonly string[]): ReadRequest {
  if (payload === undefined || payload === null) payload = {};
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequest(`request must be a JSON object, got ${describeJsonType(payload)}`);
  }
  const fields = payload as object;
  // Reject typos such as `minValidity`: silently ignoring them would serve the wrong thing.
  // Object.keys lists own keys only, `__proto__` included when JSON.parse made it one.
  const unknown = Object.keys(fields).filter((key) => !READ_FIELDS.has(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((key) => `'${key.slice(0, 40)}'`);
    throw new BadRequest(
      `unknown field ${shown.join(', ')}: allowed fields are credential, minValiditySeconds, rejectedTokenHash`,
    );
  }

  // Only an absent field takes the default: an explicit null is a wrong type, not a wish.
  const given = own(fields, 'credential');
  const credential = given === undefined ? credentialNames[0] : given;
  if (!isCredentialName(credential)) {
    throw new BadRequest(
      typeof credential === 'string'
        ? `credential ${CREDENTIAL_NAME_RULE}`
        : `credential must be a string, got ${describeJsonType(credential)}`,
    );
  }
  if (!credentialNames.includes(credential)) {
    throw new UnknownCredential(credential, credentialNames, { reader: true });
  }

  const asked = own(fields, 'minValiditySeconds');
  const minValiditySeconds = asked === undefined ? MIN_VALIDITY_SECONDS.default : asked;
  const { min, max } = MIN_VALIDITY_SECONDS;
  const problem = integerRangeProblem(minValiditySeconds, min, max);
  if (problem !== undefined) {
    const shown =
      typeof minValiditySeconds === 'number'
        ? String(minValiditySeconds)
        : describeJsonType(minValiditySeconds);
    throw new BadRequest(`minValiditySeconds ${problem}, got ${shown}`);
  }

  const rejectedTokenHash = own(fields, 'rejectedTokenHash');
  if (rejectedTokenHash !== undefined && !isRejectedTokenHash(rejectedTokenHash)) {
    // Never echoed: a confused caller might send the token itself.
    throw new BadRequest(
      `rejectedTokenHash ${REJECTED_TOKEN_HASH_RULE}, got ${describeJsonType(rejectedTokenHash)}`,
    );
  }
  return {
    credential,
    minValiditySeconds: minValiditySeconds as number,
    ...(rejectedTokenHash === undefined ? {} : { rejectedTokenHash }),
  };
}
