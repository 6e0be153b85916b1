/**
 * The final guard of the refresh: whatever text it emits (error messages and stacks that
 * reach logs, the state item, `/status`, the failure queue and the invoker) has every
 * occurrence of the client id and the client secret, in each form a token request sends
 * them, replaced with `[redacted]`. Messages are built to hold neither; this catches what
 * a token endpoint echoes back or a future change lets through.
 */
import type { ClientCredentials } from './ports.js';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not redacted: replacing every "a" would make each message
 * unreadable, and a secret that short protects nothing anyway.
 */
const MIN_REDACTED_LENGTH = 4;

/** A value as `application/x-www-form-urlencoded` sends it (RFC 6749 appendix B). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The `client_secret_basic` credentials (RFC 6749 section 2.3.1): each part form-encoded,
 * joined by `:`, base64-encoded; what follows `Basic ` in the Authorization header.
 */
export function basicCredentials({ clientId, clientSecret }: ClientCredentials): string {
  return Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64');
}

/** Every form in which a token request carries the client credentials, longest first. */
export function sensitiveForms(credentials: ClientCredentials): string[] {
  const { clientId, clientSecret } = credentials;
  const forms = new Set<string>([
    basicCredentials(credentials),
    Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64'),
  ]);
  for (const value of [clientId, clientSecret]) {
    forms.add(value);
    forms.add(formUrlEncode(value));
    forms.add(encodeURIComponent(value));
  }
  // Longest first, so a form that contains another is replaced whole.
  return [...forms].filter((form) => form.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each of `forms` replaced by {@link REDACTED}. */
export function redactText(text: string, forms: readonly string[]): string {
  let redacted = text;
  for (const form of forms) redacted = redacted.split(form).join(REDACTED);
  return redacted;
}

/**
 * Redacts, in place, the message and stack of `error` and of its causes (a few levels
 * deep): errors are what travels to logs, the state item and the invoker. Values that are
 * not errors carry no text of ours and are left alone.
 */
export function redactError(error: unknown, forms: readonly string[]): void {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    try {
      current.message = redactText(current.message, forms);
      if (current.stack !== undefined) current.stack = redactText(current.stack, forms);
    } catch {
      // A frozen error, or one whose message is a getter: a library's, built from its own
      // state, not from what the token endpoint answered.
    }
    current = current.cause;
  }
}
