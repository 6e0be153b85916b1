/**
 * The construct's own rules: what only a CDK deployment has (an AWS Organization, an
 * alarm e-mail, a Secrets Manager secret name, integer props). The credential-set rules
 * live in the contract (contract/credential-set.ts) and are not restated here. Each check
 * returns a problem phrase, or undefined when the value is fine; callers prefix it with
 * the path of the field, as the contract's `invalid` does.
 */
import { invalid, show, TokenBrokerConfigError } from '../contract/index.js';

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

/**
 * `refresherReservedConcurrency` bounds: 0 reserves nothing (unlike Lambda's own 0, which
 * stops the function); 1000 is the default account quota.
 */
export const RESERVED_CONCURRENCY = { min: 0, max: 1000 } as const;

/**
 * The refresher's reserved concurrency when `refresherReservedConcurrency` is left out
 * (docs/design.md, decisions 24 and 43): two runs per set, its scheduled run and its retry
 * chain's run (one at a time per set: the lease), which meet during an outage that fails
 * every set, plus one for a reader's, a rotation's or an operator's run. With sets + 1 the
 * retry queue's runs were throttled then and waited out SQS's 90 s visibility timeout before
 * the next attempt. At most 2 x 50 + 1 = 101, a tenth of the default account quota.
 */
export function defaultRefresherConcurrency(sets: number): number {
  return 2 * sets + 1;
}

/**
 * How many credential sets keep every resource in the broker's own stack (docs/design.md,
 * decision 42): a set adds 16 resources there (18 when an organization may read it), so 16
 * sets, the broker's 26 and its shared grants make at most 317. Each later set has its reader, triggers and
 * alarms in a nested stack of its own and adds 3 resources to the broker's stack (its
 * secret, its parameter and the nested stack). Sets in configuration order: the first 16
 * never move when sets are appended (a broker of 0.2.0, whose 4 KB environment held fewer,
 * keeps all its resources in place).
 */
export const SETS_IN_BROKER_STACK = 16;

/**
 * Where each set lives (decisions 42 and 47): in a nested stack of its own when its
 * `nestedStack` says so, in the broker's stack when it says false, else by position (after
 * the first {@link SETS_IN_BROKER_STACK}, nested). Pinning lets an operator remove or reorder
 * one of the first sets without moving a later one between the stacks.
 * @param pins each set's `nestedStack`, in configuration order.
 * @returns for each set, whether it has a nested stack of its own.
 */
export function nestedSetPlacement(pins: readonly (boolean | undefined)[]): boolean[] {
  return pins.map((pin, index) => pin ?? index >= SETS_IN_BROKER_STACK);
}

/** Why sets placed as `nested` says put too many in the broker's stack, or undefined. */
export function setsInBrokerStackProblem(
  names: readonly string[],
  nested: readonly boolean[],
): string | undefined {
  const inBroker = names.filter((_, index) => nested[index] !== true);
  if (inBroker.length <= SETS_IN_BROKER_STACK) return undefined;
  return (
    `put ${inBroker.length} credential sets in the broker's stack (${inBroker.map(show).join(', ')}); it ` +
    `takes at most ${SETS_IN_BROKER_STACK}, because of CloudFormation's 500 resources per stack: set ` +
    'nestedStack: true on a set that is new or already in a nested stack, or remove nestedStack: false from one'
  );
}

/** Problem with a set's `nestedStack`, if any. */
export function nestedStackProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  return "must be true (a nested stack of its own) or false (the broker's stack)";
}

/**
 * The most credential sets one broker takes (docs/design.md, decisions 34 and 42), each
 * limit checked on the synthesized 50-set stack by test/infra/deploy-limits.test.ts:
 * 26 + 1 + 4 + 18 x 16 + 3 x 34 = 421 of CloudFormation's 500 resources (the broker, the
 * rotation rules' permission, the refresher's grant policies (up to 10 with long secret
 * names and a key per set), the sets), 172 of its 200
 * outputs (four per set in the broker's stack, three per nested set), and the refresher's
 * policies within IAM's 10,240 inline and 6,144 managed characters.
 */
export const MAX_CREDENTIAL_SETS = 50;

/**
 * The most characters the names of one broker's sets may add up to (decision 42): each
 * name recurs in the broker's stack template (logical IDs, alarm names, the dashboard,
 * outputs), about 60 to 100 bytes a character, and CloudFormation takes a template of at
 * most 1 MB. Measured on the 50-set stack app with an organization and an alarm topic:
 * 50 names of 32 characters make 0.90 MB; 16 names of 64 and 34 of about 17 (the long names
 * on the sets that stay in the broker's stack, which cost the most) 0.92 MB.
 */
export const MAX_CREDENTIAL_NAME_CHARACTERS = 1600;

/** Why the names of one broker's sets are too long together, or undefined. */
export function credentialNamesLengthProblem(names: readonly string[]): string | undefined {
  const total = names.reduce((sum, name) => sum + name.length, 0);
  if (total <= MAX_CREDENTIAL_NAME_CHARACTERS) return undefined;
  return (
    `name ${names.length} credential sets with ${total} characters together; one broker takes at most ` +
    `${MAX_CREDENTIAL_NAME_CHARACTERS} (an average of ${MAX_CREDENTIAL_NAME_CHARACTERS / MAX_CREDENTIAL_SETS} ` +
    `over ${MAX_CREDENTIAL_SETS} sets), because every name recurs in the stack template and CloudFormation ` +
    'takes at most 1 MB: shorten the names, or split the sets between two brokers, each in its own stack'
  );
}

/** Why `count` sets are too many for one broker, or undefined. */
export function credentialCountProblem(count: number): string | undefined {
  if (count <= MAX_CREDENTIAL_SETS) return undefined;
  return (
    `lists ${count} credential sets; one broker takes at most ${MAX_CREDENTIAL_SETS}, because of ` +
    "CloudFormation's 500 resources and 200 outputs per stack: split the sets between two brokers, " +
    'each in its own stack'
  );
}

/**
 * A KMS key ARN (not an alias): what `kms:Decrypt` is granted on. Single-Region keys have a
 * UUID id, multi-Region keys `mrk-` and 32 hex digits.
 */
export const KMS_KEY_ARN_PATTERN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

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

/** Problem with a KMS key ARN, if any. */
export function kmsKeyArnProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && KMS_KEY_ARN_PATTERN.test(value)) return undefined;
  return 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)';
}

/**
 * Checks the sets an organization may read: a non-empty list of distinct configured names,
 * and only next to an organization id.
 * @param path the field, e.g. `tokenBroker.allowedOrganizationSets`.
 * @returns the names.
 * @throws TokenBrokerConfigError naming the field (and entry) and the bad value.
 */
export function checkOrganizationSets(
  value: unknown,
  configured: readonly string[],
  organizationId: unknown,
  path: string,
): string[] {
  if (!Array.isArray(value)) throw invalid(path, value, 'must be an array of credential set names');
  if (organizationId === undefined) throw invalid(path, value, 'needs allowedOrganizationId');
  if (value.length === 0) {
    throw invalid(path, value, 'must list at least one credential set (leave it out for every set)');
  }
  for (const [index, name] of value.entries()) {
    if (typeof name !== 'string' || !configured.includes(name)) {
      throw invalid(
        `${path}[${index}]`,
        name,
        `is not a credential set of this broker (it serves ${configured.map(show).join(', ')})`,
      );
    }
    const first = value.indexOf(name);
    if (first !== index) throw invalid(`${path}[${index}]`, name, `duplicates ${path}[${first}]`);
  }
  return [...(value as string[])];
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
