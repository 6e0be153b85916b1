/**
 * Parsing of the `{"client_id": "...", "client_secret": "..."}` secret value. The value
 * rule (trimmed, non-empty, not the stack's placeholder) is the contract's, shared with the
 * local broker's sources. Errors name the field, never the value.
 */
import {
  CLIENT_CREDENTIALS_FIELDS,
  checkClientCredentialValue,
  describeJsonType,
  type RefresherCredentialSet,
} from '../../contract/index.js';
import { SecretInvalid, SecretNotSet } from '../core/errors.js';
import type { ClientCredentials } from '../core/ports.js';

/**
 * Parses a secret string into client credentials.
 * @throws SecretInvalid naming the secret and the faulty field; SecretNotSet while a field
 *   holds the placeholder.
 */
export function parseClientCredentials(set: RefresherCredentialSet, secretString: string): ClientCredentials {
  const fail = (problem: string) =>
    new SecretInvalid(
      set.name,
      set.secretId,
      `${problem}; set the secret value to {"client_id": "...", "client_secret": "..."} (plaintext JSON)`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // JSON.parse's own message quotes the input, which is the secret: do not pass it on.
    throw fail('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail(`is ${describeJsonType(parsed)}, not a JSON object`);
  }
  const fields = parsed as Record<string, unknown>;
  const clientId = checkClientCredentialValue(fields[CLIENT_CREDENTIALS_FIELDS.clientId]);
  if (clientId.kind === 'invalid')
    throw fail(`field ${CLIENT_CREDENTIALS_FIELDS.clientId} ${clientId.problem}`);
  const clientSecret = checkClientCredentialValue(fields[CLIENT_CREDENTIALS_FIELDS.clientSecret]);
  if (clientSecret.kind === 'invalid') {
    throw fail(`field ${CLIENT_CREDENTIALS_FIELDS.clientSecret} ${clientSecret.problem}`);
  }
  if (clientId.kind === 'placeholder' || clientSecret.kind === 'placeholder') {
    throw new SecretNotSet(set.name, set.secretId);
  }
  return { clientId: clientId.value, clientSecret: clientSecret.value };
}
