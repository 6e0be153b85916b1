/**
 * Rules shared by the synth-time configuration (cdk.json context) and the TokenBroker
 * construct props, so both reject the same values with the same words. Each check
 * returns a problem phrase, or undefined when the value is fine; callers prefix it with
 * the path of the field (`tokenBroker.credentials[1].name` or `credentials[1].name`).
 */
import { Token } from 'aws-cdk-lib';
import {
  CLIENT_AUTH_METHODS,
  CREDENTIAL_NAME_PATTERN,
  isClientAuthMethod,
  scopeProblem,
  tokenUrlProblem,
} from '../lambda/core/credential-config.js';

/**
 * Thrown for a configuration or prop value the broker cannot be built from. Its message
 * names the field and the bad value, so the app prints it without a stack trace.
 */
export class TokenBrokerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenBrokerConfigError';
  }
}

/**
 * Refresh interval bounds in minutes. A55 tokens live one hour: refreshing more often
 * than every 5 minutes only costs Cognito requests, and after 55 minutes a token would
 * be too close to expiry for callers asking for the default 300 s of validity.
 */
export const REFRESH_INTERVAL_MINUTES = { min: 5, max: 55, default: 50 } as const;

/** Reader in-memory cache bounds in seconds; kept well under the refresh interval. */
export const READER_CACHE_SECONDS = { min: 0, max: 300, default: 30 } as const;

/** An AWS Organizations id, as `aws:PrincipalOrgID` expects it. */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/** A Secrets Manager secret name (the characters the service accepts, 1 to 512 of them). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Builds the error for `path` holding `value`, e.g. `credentials[0].name: 'Prod' must match ...`. */
export function invalid(path: string, value: unknown, problem: string): TokenBrokerConfigError {
  return new TokenBrokerConfigError(`${path}: ${show(value)} ${problem}`);
}

/** Problem with a credential set name, if any. */
export function credentialNameProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && CREDENTIAL_NAME_PATTERN.test(value)) return undefined;
  return 'must match [a-z0-9-]{1,64}';
}

/** Problem with a whole number that must lie in `[min, max]`, if any. */
export function integerRangeProblem(value: unknown, min: number, max: number): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `must be an integer from ${min} to ${max}`;
}

/** Problem with an OAuth scope string, if any (the rule lives in the core, shared with the local broker). */
export { scopeProblem };

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

/**
 * An e-mail address for an SNS subscription: one `@`, no spaces, a dotted domain. Loose on
 * purpose (SNS and the confirmation e-mail are the real check); it catches typos such as a
 * missing `@` or a pasted list.
 */
export const EMAIL_PATTERN = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;.]+$/;

/** Problem with an e-mail address, if any. */
export function emailProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length <= 254 && EMAIL_PATTERN.test(value)) return undefined;
  return 'must be one e-mail address, e.g. ops@example.com';
}

/** The fields of one credential set that configuration and props have in common. */
export interface CredentialFields {
  readonly name: unknown;
  readonly tokenUrl?: unknown;
  readonly scope?: unknown;
  readonly clientAuth?: unknown;
  readonly secretName?: unknown;
}

/**
 * Checks one credential set; `path` is where it sits, e.g. `tokenBroker.credentials[1]`.
 * Optional fields are checked only when present. A tokenUrl that is a CDK token (a
 * parameter or an import) cannot be checked at synth time and is let through.
 * @throws TokenBrokerConfigError naming the first bad field and its value.
 */
export function assertCredentialFields(fields: CredentialFields, path: string): void {
  const nameProblem = credentialNameProblem(fields.name);
  if (nameProblem) throw invalid(`${path}.name`, fields.name, nameProblem);
  const { tokenUrl, scope, clientAuth, secretName } = fields;
  if (tokenUrl !== undefined) {
    if (typeof tokenUrl !== 'string') throw invalid(`${path}.tokenUrl`, tokenUrl, 'must be a string');
    const urlProblem = Token.isUnresolved(tokenUrl) ? undefined : tokenUrlProblem(tokenUrl);
    if (urlProblem) throw invalid(`${path}.tokenUrl`, tokenUrl, urlProblem);
  }
  if (scope !== undefined) {
    const problem = scopeProblem(scope);
    if (problem) throw invalid(`${path}.scope`, scope, problem);
  }
  if (clientAuth !== undefined && !isClientAuthMethod(clientAuth)) {
    throw invalid(`${path}.clientAuth`, clientAuth, `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  if (secretName !== undefined) {
    const problem = secretNameProblem(secretName);
    if (problem) throw invalid(`${path}.secretName`, secretName, problem);
  }
}

/**
 * Rejects a repeated name: the name is the DynamoDB partition key, so two sets with one
 * name would overwrite each other's token.
 * @param path where the list sits, e.g. `tokenBroker.credentials`.
 */
export function assertUniqueNames(names: readonly string[], path: string): void {
  names.forEach((name, index) => {
    const first = names.indexOf(name);
    if (first !== index) {
      throw invalid(`${path}[${index}].name`, name, `duplicates ${path}[${first}].name`);
    }
  });
}
