/**
 * Parsing of the `{"client_id": "...", "client_secret": "..."}` secret value, shared by
 * every credential source (Secrets Manager, environment, file). Errors name the field,
 * never the value.
 */
import { type CredentialConfig, SECRET_PLACEHOLDER } from '../core/credential-config.js';
import { SecretInvalid, SecretNotSet } from '../core/errors.js';
import type { ClientCredentials } from '../core/ports.js';
import { describeJsonType } from '../core/token-rules.js';

/**
 * Parses a secret string into client credentials.
 * Surrounding whitespace is trimmed: a value pasted into the console often carries a newline.
 * @throws SecretInvalid naming the secret and the faulty field.
 */
export function parseClientCredentials(config: CredentialConfig, secretString: string): ClientCredentials {
  const fail = (problem: string) =>
    new SecretInvalid(
      config.name,
      config.secretId,
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
  const clientId = requiredString(fields, 'client_id', fail);
  const clientSecret = requiredString(fields, 'client_secret', fail);
  if (clientId === SECRET_PLACEHOLDER || clientSecret === SECRET_PLACEHOLDER) {
    throw new SecretNotSet(config.name, config.secretId);
  }
  return { clientId, clientSecret };
}

function requiredString(
  fields: Record<string, unknown>,
  field: 'client_id' | 'client_secret',
  fail: (problem: string) => SecretInvalid,
): string {
  const value = fields[field];
  if (typeof value !== 'string')
    throw fail(`field ${field} is ${describeJsonType(value)}, expected a string`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw fail(`field ${field} is empty`);
  return trimmed;
}
