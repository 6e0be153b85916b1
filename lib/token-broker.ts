/**
 * The TokenBroker construct: a DynamoDB token cache, a scheduled refresher that alone
 * reads the client secrets, and one {@link CredentialSet} per configured set, each with its
 * own IAM-protected reader (no secret at all; this set's items only), its secret, triggers
 * and alarms (see docs/design.md); plus the broker-wide operations: the failure queue, the
 * reader alarms and the dashboard. Every cdk-nag finding it causes is acknowledged, with
 * its reason, where the resource is created.
 */
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DIMENSION,
  METRIC,
  TABLE_PARTITION_KEY,
  TABLE_TTL_ATTRIBUTE,
  TOKEN_BROKER_ENV,
} from '../contract/index.js';
import { createRefresher } from './broker-lambdas.js';
import { CredentialSet } from './credential-set.js';
import {
  createBrokerAlarms,
  credentialAlarmList,
  notifyOnAlarmAndOk,
  type TokenBrokerAlarms,
} from './monitoring/alarms.js';
import { createDashboard } from './monitoring/dashboard.js';
import { createFailureQueue, EncryptedQueueDestination } from './monitoring/failure-queue.js';
import { brokerMetric } from './monitoring/metrics.js';
import { resolveBrokerName } from './monitoring/names.js';
import { acknowledgeNag } from './nag.js';
import { type ConnectConsumerOptions, consumerCredential, servedCredential } from './reader-access.js';
import { createRefresherParameters, planRefresherConfig } from './refresher-config.js';
import { grantRefresherSets } from './refresher-grants.js';
import type { ITokenBroker } from './token-broker-parts.js';
import { type TokenBrokerProps, validateTokenBrokerProps } from './token-broker-props.js';
import { createDeployRefreshProvider } from './triggers/deploy-refresh.js';
import { createSchedulerRole } from './triggers/refresh-schedule.js';
import { createRetryQueue } from './triggers/retry-queue.js';
import { allowRotationRules, rotationRulePrefix } from './triggers/rotation-rule.js';
import { atConstructPath } from './validation.js';

/**
 * A55 token broker: keeps one fresh OAuth 2.0 client-credentials token per credential
 * set in DynamoDB and serves each set's token, through that set's own reader, to the
 * IAM principals granted that set.
 *
 * @example
 * const broker = new TokenBroker(this, 'TokenBroker', {
 *   credentials: [{ name: 'sandbox', tokenUrl: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token' }],
 * });
 * broker.connectLambda(consumerFunction, { credential: 'sandbox' });
 */
export class TokenBroker extends Construct implements ITokenBroker {
  /** The token cache, one item per credential set (partition key `credential`). */
  readonly table: dynamodb.Table;
  /** Customer-managed key encrypting {@link table}, rotated yearly. */
  readonly tableKey: kms.Key;
  /** Fetches a token for `{"credential": name}` and stores it; only scheduled/trusted callers invoke it. */
  readonly refresher: lambda.Function;
  /** Set names in configuration order. */
  readonly credentialNames: string[];
  /**
   * The broker's name: the `broker` dimension of every metric, the prefix of every alarm
   * name and the dashboard's name (`brokerName`, by default the stack's name).
   */
  readonly brokerName: string;
  /**
   * The credential sets in configuration order, each with its reader, secret, triggers and
   * alarms (`credentialSet(name).reader` serves that set only).
   */
  readonly credentialSets: CredentialSet[];
  /** Time between two scheduled refreshes of each set, in whole minutes. */
  readonly refreshInterval: Duration;
  /** Seconds each set's reader keeps its item in memory. */
  readonly readerCacheSeconds: number;
  /** How long the broker's function logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** The role every set's schedule invokes the refresher with; it may do nothing else. */
  readonly schedulerRole: iam.Role;
  /** The role of the deploy-time refresh provider: invoke the refresher, write its own log group. */
  readonly deployRefreshRole: iam.Role;
  /** The log group of the deploy-time refresh provider. */
  readonly deployRefreshLogGroup: logs.LogGroup;
  /**
   * Failed refreshes: the refresher's async on-failure destination and the rotation rules'
   * dead-letter queue. KMS-encrypted ({@link failureQueueKey}), TLS only, 14 days retention.
   */
  readonly failureQueue: sqs.Queue;
  /** Customer-managed key encrypting {@link failureQueue}, rotated yearly. */
  readonly failureQueueKey: kms.Key;
  /**
   * The refresher's retry chain: delayed `{"credential", "reason": "retry"}` messages it sends
   * itself after a retryable failure and consumes (lib/triggers/retry-queue.ts). SSE-SQS, TLS only.
   */
  readonly retryQueue: sqs.Queue;
  /** The start of every rotation rule's name (`a55-<8 hex>-<set>`): the refresher lets rules so named invoke it. */
  readonly rotationRulePrefix: string;
  /** The topic every alarm notifies, when one was given. */
  readonly alarmTopic?: sns.ITopic;
  /** The broker-wide alarms, and every alarm of the broker in `all`. */
  readonly alarms: TokenBrokerAlarms;
  /** The broker's CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: TokenBrokerProps) {
    super(scope, id);
    const resolved = atConstructPath(this.node.path, () => validateTokenBrokerProps(props));
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.credentialNames = resolved.credentials.map((credential) => credential.name);
    this.brokerName = atConstructPath(this.node.path, () => resolveBrokerName(this, props.brokerName));
    this.refreshInterval = resolved.refreshInterval;
    this.readerCacheSeconds = resolved.readerCacheSeconds;
    this.logRetention = logRetention;
    if (props.alarmTopic !== undefined) this.alarmTopic = props.alarmTopic;

    this.tableKey = new kms.Key(this, 'TableKey', {
      description: 'Encrypts the A55 token broker token cache (DynamoDB)',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      removalPolicy,
    });
    acknowledgeNag(
      this.table,
      'AwsSolutions-DDB3',
      'The table is a cache of one-hour bearer tokens that the refresher rebuilds within one schedule ' +
        'interval; a point-in-time restore could only bring back expired tokens, and backups would keep ' +
        'copies of bearer tokens for 35 days.',
    );

    const refresherConfig = planRefresherConfig(this, resolved.credentials);
    this.refresher = createRefresher(this, {
      table: this.table,
      tableKey: this.tableKey,
      brokerName: this.brokerName,
      // Planned now (the asset is hashed when the function is made); the sets' secrets come below.
      config: refresherConfig,
      logRetention,
      refreshInterval: this.refreshInterval,
      ...(resolved.refresherReservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: resolved.refresherReservedConcurrency }),
    });

    this.schedulerRole = createSchedulerRole(this, this.refresher);
    const failureQueue = createFailureQueue(this, removalPolicy);
    this.failureQueue = failureQueue.queue;
    this.failureQueueKey = failureQueue.key;
    this.refresher.configureAsyncInvoke({
      retryAttempts: 2,
      // An event older than one interval is superseded by the next scheduled refresh.
      maxEventAge: this.refreshInterval,
      onFailure: new EncryptedQueueDestination(failureQueue),
    });
    this.retryQueue = createRetryQueue(this, {
      refresher: this.refresher,
      deadLetterQueue: this.failureQueue,
      removalPolicy,
    });
    const provider = createDeployRefreshProvider(this, logRetention, this.refresher);
    this.deployRefreshRole = provider.role;
    this.deployRefreshLogGroup = provider.logGroup;

    this.rotationRulePrefix = rotationRulePrefix(this);
    const sets = new Construct(this, 'CredentialSets');
    const { allowedOrganizationId } = props;
    this.credentialSets = resolved.credentials.map(
      (credential, index) =>
        new CredentialSet(sets, credential.name, {
          broker: this,
          credential,
          // By position, or where the set is pinned (decisions 42 and 47).
          ownStack: resolved.nestedSets[index] === true,
          ...(allowedOrganizationId !== undefined && resolved.organizationSets.includes(credential.name)
            ? { allowedOrganizationId }
            : {}),
        }),
    );
    createRefresherParameters(this, refresherConfig, this.credentialSets, this.refresher);
    grantRefresherSets(this, this.refresher, this.table, this.credentialSets);
    allowRotationRules(this, {
      refresher: this.refresher,
      deadLetterQueue: this.failureQueue,
      prefix: this.rotationRulePrefix,
    });

    const brokerAlarms = createBrokerAlarms(this, this, this.failureQueue);
    notifyOnAlarmAndOk([brokerAlarms.readerErrors, brokerAlarms.failureQueueNotEmpty], this.alarmTopic);
    this.alarms = {
      ...brokerAlarms,
      all: [
        ...this.credentialSets.flatMap((set) => credentialAlarmList(set.alarms)),
        brokerAlarms.readerErrors,
        brokerAlarms.failureQueueNotEmpty,
      ],
    };
    this.dashboard = createDashboard(
      this,
      this,
      this.alarms.all,
      this.credentialSets.map((set) => ({ name: set.name, reader: set.reader })),
    );
  }

  /**
   * The credential set called `name`.
   * @throws Error naming this broker's construct path and the sets it serves.
   * @example
   * broker.credentialSet('production').secret.grantWrite(operatorsRole);
   */
  credentialSet(name: string): CredentialSet {
    servedCredential(this, 'credentialSet', name);
    return this.credentialSets.find((set) => set.name === name) as CredentialSet;
  }

  /**
   * Lets `grantee` read one credential set: `lambda:InvokeFunction` (direct invoke) and
   * `lambda:InvokeFunctionUrl` (the Function URL needs both) on that set's reader, nothing
   * else. The reader serves its set only, so the grantee cannot obtain another set's token
   * or status by any path.
   *
   * @param credential the set to grant; may be left out only when the broker serves one set.
   * @throws Error naming the broker's construct path when `credential` is not one of its
   *   sets, or is left out while it serves several.
   * @example
   * broker.grantRead(consumerRole, 'production');
   */
  grantRead(grantee: iam.IGrantable, credential?: string): iam.Grant {
    return this.setFor('grantRead', credential, 'a credential').grantRead(grantee);
  }

  /**
   * Lets a Lambda function read one set and tells its `TokenBrokerClient` where from:
   * `TOKEN_BROKER_FUNCTION` (that set's reader ARN: Lambda Invoke) and
   * `TOKEN_BROKER_CREDENTIAL`, plus {@link grantRead} of that set on its role.
   *
   * @returns the grant, as {@link grantRead} returns it.
   * @throws Error when `options.credential` is not one of the broker's sets, or is
   *   missing while the broker has several.
   * @example
   * const fn = new NodejsFunction(this, 'Payments', { entry: 'src/payments.ts' });
   * broker.connectLambda(fn, { credential: 'production' });
   * // src/payments.ts: const a55 = new A55Client({ broker: new TokenBrokerClient() });
   */
  connectLambda(fn: lambda.Function, options: ConnectConsumerOptions = {}): iam.Grant {
    const set = this.setFor('connectLambda', options.credential);
    fn.addEnvironment(TOKEN_BROKER_ENV.functionName, set.reader.functionArn);
    fn.addEnvironment(TOKEN_BROKER_ENV.credential, set.name);
    return set.grantRead(fn);
  }

  /**
   * Lets an ECS container read one set and tells its `TokenBrokerClient` where from:
   * `TOKEN_BROKER_URL` (that set's reader Function URL: SigV4 with the task role) and
   * `TOKEN_BROKER_CREDENTIAL`, plus {@link grantRead} of that set on its task role.
   *
   * @returns the grant, as {@link grantRead} returns it.
   * @throws Error when `options.credential` is not one of the broker's sets, or is
   *   missing while the broker has several.
   */
  connectContainer(container: ecs.ContainerDefinition, options: ConnectConsumerOptions = {}): iam.Grant {
    const set = this.setFor('connectContainer', options.credential);
    container.addEnvironment(TOKEN_BROKER_ENV.url, set.readerUrl.url);
    container.addEnvironment(TOKEN_BROKER_ENV.credential, set.name);
    return set.grantRead(container.taskDefinition.taskRole);
  }

  /** RefreshSucceeded of `credential`: a refresh stored a token. Sum over 5 minutes by default. */
  metricRefreshSucceeded(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricRefreshSucceeded', METRIC.refreshSucceeded, credential, props);
  }

  /** RefreshFailed of `credential`: a refresh failed, the stored token is unchanged. Sum over 5 minutes by default. */
  metricRefreshFailed(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricRefreshFailed', METRIC.refreshFailed, credential, props);
  }

  /** SecretRejected of `credential`: the token endpoint refused the client credentials. Sum over 5 minutes by default. */
  metricSecretRejected(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricSecretRejected', METRIC.secretRejected, credential, props);
  }

  /**
   * TokenEndpointRejected of `credential` with OAuth error code `errorCode` (or
   * `http_<status>`): the token endpoint refused a request. Sum over 5 minutes by default.
   */
  metricTokenEndpointRejected(
    credential: string,
    errorCode: string,
    props?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    servedCredential(this, 'metricTokenEndpointRejected', credential);
    return brokerMetric(
      METRIC.tokenEndpointRejected,
      this.brokerName,
      { [DIMENSION.credential]: credential, [DIMENSION.errorCode]: errorCode },
      props,
    );
  }

  /**
   * TokenSecondsRemaining of `credential`: seconds of validity the stored token has after
   * each refresh attempt. Minimum over 5 minutes by default.
   */
  metricTokenSecondsRemaining(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricTokenSecondsRemaining', METRIC.tokenSecondsRemaining, credential, {
      statistic: 'Minimum',
      ...props,
    });
  }

  /**
   * TokenLifetimeTooShort of `credential`: a refresh stored a token that will not outlive the
   * next scheduled run by the default validity (the token endpoint shortened its lifetime);
   * readers then ask for refreshes when it runs low. Sum over 5 minutes by default.
   */
  metricTokenLifetimeTooShort(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric(
      'metricTokenLifetimeTooShort',
      METRIC.tokenLifetimeTooShort,
      credential,
      props,
    );
  }

  /** ReadServed of `credential`: reads answered with a token. Sum over 5 minutes by default. */
  metricReadServed(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricReadServed', METRIC.readServed, credential, props);
  }

  /** ReadUnavailable of `credential`: reads answered TokenUnavailable. Sum over 5 minutes by default. */
  metricReadUnavailable(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricReadUnavailable', METRIC.readUnavailable, credential, props);
  }

  /** RefreshRequested of `credential`: the reader asked for a refresh (self-healing). Sum over 5 minutes by default. */
  metricRefreshRequested(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.credentialMetric('metricRefreshRequested', METRIC.refreshRequested, credential, props);
  }

  /**
   * ReadFailed: a reader failed on its side (InternalError), as opposed to refusing a
   * caller. Over every set's reader: the metric has only the `service` dimension (a reader
   * may fail before knowing the credential). Sum over 5 minutes by default.
   */
  metricReadFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return brokerMetric(METRIC.readFailed, this.brokerName, {}, props);
  }

  /**
   * ReadRefused: a reader refused a caller's request for the caller's own mistake
   * (BadRequest, UnknownCredential, NotFound, MethodNotAllowed). Over every set's reader,
   * like {@link metricReadFailed}. Sum over 5 minutes by default.
   */
  metricReadRefused(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return brokerMetric(METRIC.readRefused, this.brokerName, {}, props);
  }

  /** The set `credential` names, or the only one; see {@link consumerCredential}. */
  private setFor(method: string, credential: string | undefined, missing?: string): CredentialSet {
    const name = consumerCredential(this, method, credential, missing);
    return this.credentialSets.find((set) => set.name === name) as CredentialSet;
  }

  private credentialMetric(
    method: string,
    metricName: (typeof METRIC)[keyof typeof METRIC],
    credential: string,
    props: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    servedCredential(this, method, credential);
    return brokerMetric(metricName, this.brokerName, { [DIMENSION.credential]: credential }, props);
  }
}
