/**
 * Props of the TokenBroker construct and their validation. Credential sets go through
 * the contract's one parser (its rules, its defaults, its wording); what is checked here
 * is what only the construct has: the secret, the interval as a Duration, the cache and
 * the organization.
 */
import { Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import {
  assertUniqueNames,
  type CredentialSet as CredentialSetSpec,
  invalid,
  parseCredentialSet,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  refreshIntervalProblem,
} from '../contract/index.js';
import {
  checkOrganizationSets,
  credentialCountProblem,
  credentialNamesLengthProblem,
  defaultRefresherConcurrency,
  integerRangeProblem,
  nestedSetPlacement,
  nestedStackProblem,
  organizationIdProblem,
  RESERVED_CONCURRENCY,
  secretNameProblem,
  setsInBrokerStackProblem,
  TokenBrokerConfigError,
} from './validation.js';

/** One credential set the broker keeps a token for. */
export interface TokenBrokerCredential {
  /**
   * Name of the set: `[a-z0-9-]{1,64}`, unique in the broker. It is the DynamoDB
   * partition key, the construct id of its {@link CredentialSet} and what callers pass
   * as `credential`.
   */
  readonly name: string;
  /**
   * OAuth 2.0 token endpoint. https only (http is accepted for 127.0.0.1/localhost).
   * @default A55's Cognito token endpoint (A55_TOKEN_URL)
   */
  readonly tokenUrl?: string;
  /**
   * Space-separated scopes to request.
   * @default - no scope parameter is sent
   */
  readonly scope?: string;
  /**
   * How client_id/client_secret are sent to the token endpoint: `client_secret_post` or
   * `client_secret_basic` (a plain string, so every CDK language can pass it; checked at
   * synth time).
   * @default 'client_secret_post'
   */
  readonly clientAuth?: string;
  /**
   * An existing secret holding `{"client_id": "...", "client_secret": "..."}`. If it is
   * encrypted with a customer-managed key, pass it with that key (e.g.
   * `Secret.fromSecretAttributes`) so the refresher is granted kms:Decrypt on it.
   * Mutually exclusive with `secretName`.
   * @default - a secret is created with a placeholder value for operators to replace
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * Name of an existing secret (in this account and region) to use instead of creating
   * one. Mutually exclusive with `secret`.
   * @default - a secret is created with a placeholder value for operators to replace
   */
  readonly secretName?: string;
  /**
   * The customer-managed KMS key that encrypts the `secretName` secret: the refresher gets
   * `kms:Decrypt` on it, through Secrets Manager only (`kms:ViaService`). Only with
   * `secretName`; a `secret` object carries its own key (`encryptionKey`).
   * @default - the secret uses the AWS managed key `aws/secretsmanager`
   */
  readonly secretEncryptionKey?: kms.IKey;
  /**
   * Pins where the set lives: `true` in a nested stack of its own, `false` in the broker's
   * stack (which takes at most 16 sets). Pin every set after the 16th before removing or
   * reordering one of the first 16, so that none moves between the stacks (README, Upgrading).
   * @default - by its position: the first 16 sets in the broker's stack, later ones nested
   */
  readonly nestedStack?: boolean;
}

/** Properties of {@link TokenBroker}. */
export interface TokenBrokerProps {
  /** The credential sets, at least one. The first is the reader's default. */
  readonly credentials: readonly TokenBrokerCredential[];
  /**
   * Time between scheduled refreshes of each set: whole minutes from 5 to 54
   * (`REFRESH_INTERVAL_MINUTES`). A55 tokens live one hour, and the token fetched at one run
   * must still have more than the default `minValiditySeconds` (300 s) left at the next:
   * 3600 - 60 * 55 is exactly 300, so 55 is refused.
   * @default Duration.minutes(50)
   */
  readonly refreshInterval?: Duration;
  /**
   * Seconds the reader keeps an item in memory before reading DynamoDB again (0 to 300).
   * @default 30
   */
  readonly readerCacheSeconds?: number;
  /**
   * How long the two functions' logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * AWS Organization id (`o-...`). When set, every principal of that organization may
   * call the readers of {@link allowedOrganizationSets} (invoke and Function URL), through
   * their resource policies conditioned on `aws:PrincipalOrgID`; they still need an
   * identity policy allowing it.
   * @default - only principals given access with `grantRead` may call a reader
   */
  readonly allowedOrganizationId?: string;
  /**
   * The credential sets whose readers {@link allowedOrganizationId} opens to the
   * organization; the other sets' readers get no organization permission. Names of
   * configured sets, at least one; only with `allowedOrganizationId`.
   * @default - every set
   */
  readonly allowedOrganizationSets?: readonly string[];
  /**
   * Concurrent executions reserved for the refresher, so readers (or any other function of
   * the account) can never take the concurrency a refresh needs; it is also the most the
   * refresher runs at once (more async invokes wait in Lambda's queue and are retried).
   * `0` reserves nothing (unlike Lambda's own 0, it never stops the function).
   *
   * AWS refuses a reservation that would leave the account less than 100 unreserved
   * concurrent executions: in an account whose concurrency quota is low (new accounts may
   * have 10) the deploy fails with "specified ReservedConcurrentExecutions ... decreases
   * account's UnreservedConcurrentExecution below its minimum value of [100]". Ask for a
   * higher quota, or set `0` there.
   * @default - twice the number of credential sets plus one: every set's scheduled refresh
   *   and its retry chain's run (they meet in an outage that fails every set) and one
   *   self-healing, rotation or operator request at once (`defaultRefresherConcurrency`)
   */
  readonly refresherReservedConcurrency?: number;
  /**
   * What happens to the token table, the failure queue and their KMS keys when they leave
   * the stack. The table is a cache the refresher rebuilds within one interval, and the
   * queue holds failure records that only matter while the broker exists, hence DESTROY.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * SNS topic every broker alarm notifies when it goes to ALARM and back to OK. An
   * encrypted topic's key must let `cloudwatch.amazonaws.com` use it (kms:Decrypt,
   * kms:GenerateDataKey), or the notifications are dropped.
   * @default - the alarms have no action (add one through `broker.alarms.all`)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The broker's name: the `broker` dimension of every metric its functions emit, the
   * prefix of every alarm name (`<brokerName>-RefreshFailed-<set>`) and the dashboard's
   * name. 1 to 128 of `A-Z a-z 0-9 _ -`; unique per account and region, so two brokers
   * never share a metric or an alarm (set it when one stack holds two brokers).
   * @default - the stack's name
   */
  readonly brokerName?: string;
}

/** One credential set after validation: the contract's fields, defaults applied, and its secret. */
export interface ResolvedCredential extends CredentialSetSpec {
  readonly secret?: secretsmanager.ISecret;
  readonly secretName?: string;
  readonly secretEncryptionKey?: kms.IKey;
  readonly nestedStack?: boolean;
}

/** The props after validation, in the units the resources want. */
export interface ResolvedProps {
  readonly credentials: readonly ResolvedCredential[];
  /** For each set, whether it has a nested stack of its own. */
  readonly nestedSets: readonly boolean[];
  readonly refreshInterval: Duration;
  readonly readerCacheSeconds: number;
  /** The sets the organization may read; empty without `allowedOrganizationId`. */
  readonly organizationSets: readonly string[];
  /** Undefined: no reservation. */
  readonly refresherReservedConcurrency?: number;
}

/**
 * Validates `props` before any resource is created.
 * @throws TokenBrokerConfigError naming the bad prop and its value.
 */
export function validateTokenBrokerProps(props: TokenBrokerProps): ResolvedProps {
  const { credentials } = props;
  if (!Array.isArray(credentials) || credentials.length === 0) {
    throw invalid('credentials', credentials, 'must list at least one credential set');
  }
  const tooMany = credentialCountProblem(credentials.length);
  if (tooMany) throw new TokenBrokerConfigError(`credentials ${tooMany}`);
  const resolved = credentials.map((credential, index) =>
    resolveCredential(credential, `credentials[${index}]`),
  );
  assertUniqueNames(
    resolved.map((credential) => credential.name),
    'credentials',
  );
  const tooLong = credentialNamesLengthProblem(resolved.map((credential) => credential.name));
  if (tooLong) throw new TokenBrokerConfigError(`credentials ${tooLong}`);
  const nestedSets = nestedSetPlacement(resolved.map((credential) => credential.nestedStack));
  const crowded = setsInBrokerStackProblem(
    resolved.map((credential) => credential.name),
    nestedSets,
  );
  if (crowded) throw new TokenBrokerConfigError(`credentials ${crowded}`);

  const refreshInterval = checkInterval(
    props.refreshInterval ?? Duration.minutes(REFRESH_INTERVAL_MINUTES.default),
  );
  const readerCacheSeconds = props.readerCacheSeconds ?? READER_CACHE_SECONDS.default;
  const cacheProblem = integerRangeProblem(
    readerCacheSeconds,
    READER_CACHE_SECONDS.min,
    READER_CACHE_SECONDS.max,
  );
  if (cacheProblem) throw invalid('readerCacheSeconds', readerCacheSeconds, cacheProblem);

  if (props.allowedOrganizationId !== undefined) {
    const problem = organizationIdProblem(props.allowedOrganizationId);
    if (problem) throw invalid('allowedOrganizationId', props.allowedOrganizationId, problem);
  }
  const names = resolved.map((credential) => credential.name);
  const organizationSets =
    props.allowedOrganizationSets !== undefined
      ? checkOrganizationSets(
          props.allowedOrganizationSets,
          names,
          props.allowedOrganizationId,
          'allowedOrganizationSets',
        )
      : props.allowedOrganizationId === undefined
        ? []
        : names;

  const reserved = props.refresherReservedConcurrency ?? defaultRefresherConcurrency(names.length);
  const reservedProblem = integerRangeProblem(reserved, RESERVED_CONCURRENCY.min, RESERVED_CONCURRENCY.max);
  if (reservedProblem) throw invalid('refresherReservedConcurrency', reserved, reservedProblem);
  return {
    credentials: resolved,
    nestedSets,
    refreshInterval,
    readerCacheSeconds,
    organizationSets,
    ...(reserved === 0 ? {} : { refresherReservedConcurrency: reserved }),
  };
}

/**
 * Parses one credential set prop with the contract's parser (defaults applied) and checks
 * its secret fields.
 * @param path where it sits, e.g. `credentials[1]`.
 */
export function resolveCredential(credential: TokenBrokerCredential, path: string): ResolvedCredential {
  const { extra, ...set } = parseCredentialSet(credential, path, {
    extraKeys: ['secret', 'secretName', 'secretEncryptionKey', 'nestedStack'],
    isUnresolved: Token.isUnresolved,
  });
  const secret = extra.secret as secretsmanager.ISecret | undefined;
  const secretName = extra.secretName;
  const secretEncryptionKey = extra.secretEncryptionKey as kms.IKey | undefined;
  const { nestedStack } = extra;
  if (nestedStack !== undefined) {
    const problem = nestedStackProblem(nestedStack);
    if (problem) throw invalid(`${path}.nestedStack`, nestedStack, problem);
  }
  if (secretName !== undefined) {
    const problem = secretNameProblem(secretName);
    if (problem) throw invalid(`${path}.secretName`, secretName, problem);
    if (secret !== undefined)
      throw invalid(`${path}.secretName`, secretName, 'cannot be combined with secret: pass one');
  }
  if (secretEncryptionKey !== undefined && secretName === undefined) {
    // Not `invalid`: a key object is no value to quote.
    throw new TokenBrokerConfigError(
      `${path}.secretEncryptionKey: needs secretName; ` +
        (secret === undefined
          ? 'a secret the broker creates uses the AWS managed key aws/secretsmanager'
          : 'a secret object carries its own key (Secret.fromSecretAttributes({ encryptionKey }))'),
    );
  }
  return {
    ...set,
    ...(secret === undefined ? {} : { secret }),
    ...(secretName === undefined ? {} : { secretName: secretName as string }),
    ...(secretEncryptionKey === undefined ? {} : { secretEncryptionKey }),
    ...(nestedStack === undefined ? {} : { nestedStack: nestedStack as boolean }),
  };
}

/** A token (e.g. from a CfnParameter) cannot be checked nor turned into a schedule rate. */
function checkInterval(value: Duration): Duration {
  if (!(value instanceof Duration)) {
    throw invalid('refreshInterval', value, 'must be a Duration of whole minutes, e.g. Duration.minutes(50)');
  }
  const minutes = Token.isUnresolved(value.toSeconds()) ? Number.NaN : value.toSeconds() / 60;
  const problem = refreshIntervalProblem(minutes, 'minutes');
  if (problem) throw new TokenBrokerConfigError(`refreshInterval: ${value.toString()} ${problem}`);
  // Whole minutes, whatever unit it was given in: the schedule rate reads `rate(N minutes)`.
  return Duration.minutes(minutes);
}
