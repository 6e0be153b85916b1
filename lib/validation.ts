/**
 * The construct's own rules: what only a CDK deployment has (an AWS Organization, an
 * alarm e-mail, a Secrets Manager secret name, integer props). The credential-set rules
 * live in the contract (contract/credential-set.ts) and are not restated here. Each check
 * returns a problem phrase, or undefined when the value is fine; callers prefix it with
 * the path of the field, as the contract's `invalid` does.
 */
import { TokenBrokerConfigError } from '../contract/index.js';

export { TokenBrokerConfigError };

/** An AWS Organizations id, as `aws:PrincipalOrgID` expects it. */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/** A Secrets Manager secret name (the characters the service accepts, 1 to 512 of them). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * An e-mail address for an SNS subscription: one `@`, no spaces, a dotted domain. Loose on
 * purpose (SNS and the confirmation e-mail are the real check); it catches typos such as a
 * missing `@` or a pasted list.
 */
export const EMAIL_PATTERN = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;.]+$/;

/** Problem with a whole number that must lie in `[min, max]`, if any. */
export function integerRangeProblem(value: unknown, min: number, max: number): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `must be an integer from ${min} to ${max}`;
}

/** Problem with an AWS Organizations id, if any. */
export function organizationIdProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && ORGANIZATION_ID_PATTERN.test(value)) return undefined;
  return `must match ${ORGANIZATION_ID_PATTERN.source}`;
}

/** Problem with a Secrets Manager secret name, if any. */
export function secretNameProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && SECRET_NAME_PATTERN.test(value)) return undefined;
  return 'must be a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -)';
}

/** Problem with an e-mail address, if any. */
export function emailProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length <= 254 && EMAIL_PATTERN.test(value)) return undefined;
  return 'must be one e-mail address, e.g. ops@example.com';
}

/**
 * Runs `check` and prefixes the message of any TokenBrokerConfigError it throws with
 * `path` (a construct path), so an error in an app with several brokers says which one.
 */
export function atConstructPath<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof TokenBrokerConfigError)) throw error;
    throw new TokenBrokerConfigError(`${path}: ${error.message}`, { cause: error });
  }
}
