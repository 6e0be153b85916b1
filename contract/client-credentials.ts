/**
 * The client credentials secret: its JSON shape, the placeholder the stack writes until
 * an operator pastes the real pair, and the rule every credential source (Secrets
 * Manager, the local broker's environment and file) applies to its two values.
 */

/**
 * Value the stack stores in a secret it creates, until an operator pastes the real
 * credentials. The refresher recognises it and says so instead of calling the endpoint.
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/** The two fields of the secret's plaintext JSON value. */
export const CLIENT_CREDENTIALS_FIELDS = { clientId: 'client_id', clientSecret: 'client_secret' } as const;

/** What a client credential value is, judged by {@link checkClientCredentialValue}. */
export type ClientCredentialValue =
  | { readonly kind: 'ok'; readonly value: string }
  | { readonly kind: 'placeholder' }
  | { readonly kind: 'invalid'; readonly problem: string };

/**
 * Judges a client_id or client_secret value. Surrounding whitespace is trimmed: a value
 * pasted into the console often carries a newline. The problem phrase never quotes the
 * value, which may be the secret.
 */
export function checkClientCredentialValue(value: unknown): ClientCredentialValue {
  if (typeof value !== 'string')
    return { kind: 'invalid', problem: `is ${describeJsonType(value)}, expected a string` };
  const trimmed = value.trim();
  if (trimmed.length === 0) return { kind: 'invalid', problem: 'is empty' };
  if (trimmed === SECRET_PLACEHOLDER) return { kind: 'placeholder' };
  return { kind: 'ok', value: trimmed };
}

/** The JSON type of `value`, for messages that must not quote it ("null", "an array", "a number"). */
export function describeJsonType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
