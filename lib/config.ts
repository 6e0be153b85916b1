/**
 * The broker's deploy-time configuration, read from the CDK context key `tokenBroker`:
 * an object in cdk.json, or a JSON string from `-c tokenBroker='{...}'`. Everything is
 * checked at synth time, so a typo fails `cdk synth` with the field and the value
 * instead of a refresher failing every 50 minutes after deploy. Credential sets go
 * through the contract's one parser, which applies their defaults.
 */
import { Token } from 'aws-cdk-lib';
import {
  asObject,
  assertKnownKeys,
  assertUniqueNames,
  DEFAULT_CREDENTIAL_NAME,
  invalid,
  parseCredentialSet,
  REFRESH_INTERVAL_MINUTES,
  refreshIntervalProblem,
} from '../contract/index.js';
import {
  checkOrganizationSets,
  credentialCountProblem,
  credentialNamesLengthProblem,
  emailProblem,
  integerRangeProblem,
  kmsKeyArnProblem,
  nestedSetPlacement,
  nestedStackProblem,
  organizationIdProblem,
  RESERVED_CONCURRENCY,
  secretNameProblem,
  setsInBrokerStackProblem,
  TokenBrokerConfigError,
} from './validation.js';

/** The context key the configuration lives under. */
export const CONFIG_CONTEXT_KEY = 'tokenBroker';

/**
 * One credential set, with defaults applied (the contract's parser applies them), and where
 * its secret lives. Plain strings, so the shape stays usable from every CDK language.
 */
export interface CredentialSetConfig {
  /** Name of the set (`[a-z0-9-]{1,64}`), unique in the broker. */
  readonly name: string;
  /** OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  /** Scopes to request; none when undefined. */
  readonly scope?: string;
  /** How the client authenticates: `client_secret_post` or `client_secret_basic`. */
  readonly clientAuth: string;
  /** An existing Secrets Manager secret to use; the stack creates one when undefined. */
  readonly secretName?: string;
  /**
   * ARN of the customer-managed KMS key encrypting the `secretName` secret: the refresher
   * may decrypt with it through Secrets Manager only. Only with `secretName`.
   */
  readonly secretKmsKeyArn?: string;
  /**
   * Pins the set: `true` in a nested stack of its own, `false` in the broker's stack (at most
   * 16 sets there); by its position when undefined (after the 16th, nested).
   */
  readonly nestedStack?: boolean;
}

/** The whole configuration, with defaults applied. */
export interface BrokerConfig {
  /** At least one set; the first is the reader's default. */
  readonly credentials: readonly CredentialSetConfig[];
  /** Minutes between scheduled refreshes of each set: 5 to 54 (`REFRESH_INTERVAL_MINUTES`). */
  readonly refreshIntervalMinutes: number;
  /** AWS Organization whose principals may call the readers of `allowedOrganizationSets`, when set. */
  readonly allowedOrganizationId?: string;
  /** The sets whose readers the organization may call; every set when undefined. */
  readonly allowedOrganizationSets?: readonly string[];
  /**
   * Concurrency reserved for the refresher (0: none); the construct's default (2 x sets + 1)
   * when undefined. See `TokenBrokerProps.refresherReservedConcurrency` for the account-limit caveat.
   */
  readonly refresherReservedConcurrency?: number;
  /** Where the stack's alarm topic sends e-mail, when set (the stack then creates the topic). */
  readonly alarmEmail?: string;
}

const TOP_LEVEL_KEYS = [
  'credentials',
  'refreshIntervalMinutes',
  'allowedOrganizationId',
  'allowedOrganizationSets',
  'refresherReservedConcurrency',
  'alarmEmail',
] as const;

/**
 * Parses one configured credential set: the contract's fields plus `secretName`,
 * `secretKmsKeyArn` and `nestedStack`.
 * @throws TokenBrokerConfigError naming the field path and the bad value.
 */
function readCredential(value: unknown, path: string): CredentialSetConfig {
  const { extra, ...set } = parseCredentialSet(value, path, {
    extraKeys: ['secretName', 'secretKmsKeyArn', 'nestedStack'],
    isUnresolved: Token.isUnresolved,
  });
  const { secretName, secretKmsKeyArn, nestedStack } = extra;
  if (nestedStack !== undefined) {
    const problem = nestedStackProblem(nestedStack);
    if (problem) throw invalid(`${path}.nestedStack`, nestedStack, problem);
  }
  if (secretName !== undefined) {
    const problem = secretNameProblem(secretName);
    if (problem) throw invalid(`${path}.secretName`, secretName, problem);
  }
  if (secretKmsKeyArn !== undefined) {
    const problem = kmsKeyArnProblem(secretKmsKeyArn);
    if (problem) throw invalid(`${path}.secretKmsKeyArn`, secretKmsKeyArn, problem);
    if (secretName === undefined) {
      throw invalid(
        `${path}.secretKmsKeyArn`,
        secretKmsKeyArn,
        'needs secretName: a secret the stack creates uses the AWS managed key aws/secretsmanager',
      );
    }
  }
  return {
    ...set,
    ...(secretName === undefined ? {} : { secretName: secretName as string }),
    ...(secretKmsKeyArn === undefined ? {} : { secretKmsKeyArn: secretKmsKeyArn as string }),
    ...(nestedStack === undefined ? {} : { nestedStack: nestedStack as boolean }),
  };
}

/** The configuration used when the context key is absent: one set on A55's endpoint. */
export const DEFAULT_BROKER_CONFIG: BrokerConfig = {
  credentials: [readCredential({ name: DEFAULT_CREDENTIAL_NAME }, CONFIG_CONTEXT_KEY)],
  refreshIntervalMinutes: REFRESH_INTERVAL_MINUTES.default,
};

/**
 * Reads and validates the `tokenBroker` context value.
 *
 * @param raw the value of `app.node.tryGetContext('tokenBroker')`: undefined, an object,
 *   or a JSON string holding the object.
 * @returns the configuration with defaults applied.
 * @throws TokenBrokerConfigError naming the field path and the bad value.
 * @example
 * const config = loadBrokerConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
 */
export function loadBrokerConfig(raw: unknown): BrokerConfig {
  const root = CONFIG_CONTEXT_KEY;
  const value = typeof raw === 'string' ? parseJson(raw, root) : raw;
  if (value === undefined || value === null) return DEFAULT_BROKER_CONFIG;
  const fields = asObject(value, root);
  assertKnownKeys(fields, TOP_LEVEL_KEYS, root);

  const credentials = readCredentials(fields.credentials, `${root}.credentials`);

  const interval = fields.refreshIntervalMinutes ?? REFRESH_INTERVAL_MINUTES.default;
  const intervalProblem = refreshIntervalProblem(interval);
  if (intervalProblem) throw invalid(`${root}.refreshIntervalMinutes`, interval, intervalProblem);

  const orgId = fields.allowedOrganizationId;
  if (orgId !== undefined) {
    const problem = organizationIdProblem(orgId);
    if (problem) throw invalid(`${root}.allowedOrganizationId`, orgId, problem);
  }

  const orgSets =
    fields.allowedOrganizationSets === undefined
      ? undefined
      : checkOrganizationSets(
          fields.allowedOrganizationSets,
          credentials.map((credential) => credential.name),
          orgId,
          `${root}.allowedOrganizationSets`,
        );

  const reserved = fields.refresherReservedConcurrency;
  if (reserved !== undefined) {
    const problem = integerRangeProblem(reserved, RESERVED_CONCURRENCY.min, RESERVED_CONCURRENCY.max);
    if (problem) throw invalid(`${root}.refresherReservedConcurrency`, reserved, problem);
  }

  const alarmEmail = fields.alarmEmail;
  if (alarmEmail !== undefined) {
    const problem = emailProblem(alarmEmail);
    if (problem) throw invalid(`${root}.alarmEmail`, alarmEmail, problem);
  }

  return {
    credentials,
    refreshIntervalMinutes: interval as number,
    ...(orgId === undefined ? {} : { allowedOrganizationId: orgId as string }),
    ...(orgSets === undefined ? {} : { allowedOrganizationSets: orgSets }),
    ...(reserved === undefined ? {} : { refresherReservedConcurrency: reserved as number }),
    ...(alarmEmail === undefined ? {} : { alarmEmail: alarmEmail as string }),
  };
}

function readCredentials(value: unknown, path: string): CredentialSetConfig[] {
  if (value === undefined) return [...DEFAULT_BROKER_CONFIG.credentials];
  if (!Array.isArray(value)) throw invalid(path, value, 'must be an array of credential sets');
  if (value.length === 0) throw invalid(path, value, 'must list at least one credential set');
  const tooMany = credentialCountProblem(value.length);
  if (tooMany) throw new TokenBrokerConfigError(`${path} ${tooMany}`);
  const credentials = value.map((entry, index) => readCredential(entry, `${path}[${index}]`));
  const names = credentials.map((credential) => credential.name);
  assertUniqueNames(names, path);
  const tooLong = credentialNamesLengthProblem(names);
  if (tooLong) throw new TokenBrokerConfigError(`${path} ${tooLong}`);
  const placement = nestedSetPlacement(credentials.map((credential) => credential.nestedStack));
  const crowded = setsInBrokerStackProblem(names, placement);
  if (crowded) throw new TokenBrokerConfigError(`${path} ${crowded}`);
  return credentials;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TokenBrokerConfigError(`${path}: is a string but not valid JSON (${reason})`);
  }
}
