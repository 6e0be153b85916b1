/**
 * What a caller of the reader may ask: an invoke payload (or the payload-shaped fields the
 * reader face takes from a Function URL request), validated against the configured names.
 */
import {
  CREDENTIAL_NAME_RULE,
  describeJsonType,
  integerRangeProblem,
  isCredentialName,
  MIN_VALIDITY_SECONDS,
} from '../../contract/index.js';
import { BadRequest, UnknownCredential } from './errors.js';

/** A validated token request. */
export interface ReadRequest {
  readonly credential: string;
  readonly minValiditySeconds: number;
}

/** What a caller of the reader asked for. */
export type ReaderRequest =
  | { readonly action: 'token'; readonly request: ReadRequest }
  | { readonly action: 'status' };

const READ_FIELDS = new Set(['action', 'credential', 'minValiditySeconds']);

/**
 * Validates an invoke payload: `{"action": "status"}` asks for the status answer;
 * anything else (with `action` absent or `"token"`) is a token request, see {@link parseReadRequest}.
 * @throws BadRequest, UnknownCredential
 */
export function parseReaderRequest(payload: unknown, credentialNames: readonly string[]): ReaderRequest {
  const action =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>).action
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
  const fields = payload as Record<string, unknown>;
  // Reject typos such as `minValidity`: silently ignoring them would serve the wrong thing.
  const unknown = Object.keys(fields).filter((key) => !READ_FIELDS.has(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((key) => `'${key.slice(0, 40)}'`);
    throw new BadRequest(
      `unknown field ${shown.join(', ')}: allowed fields are credential, minValiditySeconds`,
    );
  }

  // Only an absent field takes the default: an explicit null is a wrong type, not a wish.
  const credential = fields.credential === undefined ? credentialNames[0] : fields.credential;
  if (!isCredentialName(credential)) {
    throw new BadRequest(
      typeof credential === 'string'
        ? `credential ${CREDENTIAL_NAME_RULE}`
        : `credential must be a string, got ${describeJsonType(credential)}`,
    );
  }
  if (!credentialNames.includes(credential)) throw new UnknownCredential(credential, credentialNames);

  const minValiditySeconds =
    fields.minValiditySeconds === undefined ? MIN_VALIDITY_SECONDS.default : fields.minValiditySeconds;
  const { min, max } = MIN_VALIDITY_SECONDS;
  const problem = integerRangeProblem(minValiditySeconds, min, max);
  if (problem !== undefined) {
    const shown =
      typeof minValiditySeconds === 'number'
        ? String(minValiditySeconds)
        : describeJsonType(minValiditySeconds);
    throw new BadRequest(`minValiditySeconds ${problem}, got ${shown}`);
  }
  return { credential, minValiditySeconds: minValiditySeconds as number };
}
