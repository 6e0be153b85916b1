/**
 * Props of the TokenBroker construct and their validation. Kept apart from the construct
 * so the rules read in one place; they share their wording with lib/config.ts.
 */
import { Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { ClientAuthMethod } from '../lambda/core/credential-config.js';
import {
  assertCredentialFields,
  assertUniqueNames,
  integerRangeProblem,
  invalid,
  organizationIdProblem,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  TokenBrokerConfigError,
} from './validation.js';

/** One credential set the broker keeps a token for. */
export interface TokenBrokerCredential {
  /**
   * Name of the set: `[a-z0-9-]{1,64}`, unique in the broker. It is the DynamoDB
   * partition key and what callers pass as `credential`.
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
   * How client_id/client_secret are sent to the token endpoint.
   * @default 'client_secret_post'
   */
  readonly clientAuth?: ClientAuthMethod;
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
}

/** Properties of {@link TokenBroker}. */
export interface TokenBrokerProps {
  /** The credential sets, at least one. The first is the reader's default. */
  readonly credentials: readonly TokenBrokerCredential[];
  /**
   * Time between scheduled refreshes of each set: a Duration of whole minutes, or a
   * number of minutes, from 5 to 55 (A55 tokens live one hour).
   * @default Duration.minutes(50)
   */
  readonly refreshInterval?: Duration | number;
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
   * call the reader (invoke and Function URL), through a resource policy conditioned on
   * `aws:PrincipalOrgID`; they still need an identity policy allowing it.
   * @default - only principals given access with `grantRead` may call the reader
   */
  readonly allowedOrganizationId?: string;
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
}

/** The props after validation, with numbers in the units the resources want. */
export interface ResolvedIntervals {
  readonly refreshIntervalMinutes: number;
  readonly readerCacheSeconds: number;
}

/**
 * Validates `props` before any resource is created.
 * @throws TokenBrokerConfigError naming the bad prop and its value.
 */
export function validateTokenBrokerProps(props: TokenBrokerProps): ResolvedIntervals {
  const { credentials } = props;
  if (!Array.isArray(credentials) || credentials.length === 0) {
    throw invalid('credentials', credentials, 'must list at least one credential set');
  }
  credentials.forEach((credential, index) => {
    const path = `credentials[${index}]`;
    assertCredentialFields(credential, path);
    if (credential.secret !== undefined && credential.secretName !== undefined) {
      throw invalid(`${path}.secretName`, credential.secretName, 'cannot be combined with secret: pass one');
    }
  });
  assertUniqueNames(
    credentials.map((credential) => credential.name),
    'credentials',
  );

  const refreshIntervalMinutes = intervalMinutes(props.refreshInterval);
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
  return { refreshIntervalMinutes, readerCacheSeconds };
}

function intervalMinutes(value: Duration | number | undefined): number {
  const { min, max } = REFRESH_INTERVAL_MINUTES;
  if (value === undefined) return REFRESH_INTERVAL_MINUTES.default;
  if (value instanceof Duration) {
    // A token (e.g. from a CfnParameter) cannot be checked nor turned into a schedule rate.
    const minutes = Token.isUnresolved(value.toSeconds()) ? Number.NaN : value.toSeconds() / 60;
    const problem = integerRangeProblem(minutes, min, max);
    if (problem) throw new TokenBrokerConfigError(`refreshInterval: ${value.toString()} ${problem} minutes`);
    return minutes;
  }
  const problem = integerRangeProblem(value, min, max);
  if (problem) throw invalid('refreshInterval', value, `${problem} (minutes)`);
  return value;
}
