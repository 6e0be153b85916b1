/**
 * The TokenBroker construct: a DynamoDB token cache, a scheduled refresher that alone
 * reads the client secrets, and an IAM-protected reader that serves the cached tokens
 * (see docs/design.md), plus one {@link CredentialSet} per configured set (its secret,
 * triggers and alarms) and the broker-wide operations: the failure queue, the reader
 * alarms and the dashboard. Every cdk-nag finding it causes is acknowledged, with its
 * reason, where the resource is created.
 */
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
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
import { createBrokerLambdas, refresherEntry } from './broker-lambdas.js';
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
import { acknowledgeNag } from './nag.js';
import {
  type ConnectConsumerOptions,
  consumerCredential,
  grantReaderAccess,
  servedCredential,
} from './reader-access.js';
import type { ITokenBroker } from './token-broker-parts.js';
import { type TokenBrokerProps, validateTokenBrokerProps } from './token-broker-props.js';
import { createDeployRefreshProvider } from './triggers/deploy-refresh.js';
import { createSchedulerRole } from './triggers/refresh-schedule.js';
import { atConstructPath } from './validation.js';

/**
 * A55 token broker: keeps one fresh OAuth 2.0 client-credentials token per credential
 * set in DynamoDB and serves it to IAM-authorized callers.
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
  readonly refresher: NodejsFunction;
  /** Serves stored tokens; has no access to any secret. */
  readonly reader: NodejsFunction;
  /** The reader's Function URL (`AuthType: AWS_IAM`, `GET /token?credential=NAME`). */
  readonly readerUrl: lambda.IFunctionUrl;
  /** Set names in configuration order; the first is the reader's default. */
  readonly credentialNames: string[];
  /** The credential sets in configuration order, each with its secret, triggers and alarms. */
  readonly credentialSets: CredentialSet[];
  /** Time between two scheduled refreshes of each set, in whole minutes. */
  readonly refreshInterval: Duration;
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
    this.refreshInterval = resolved.refreshInterval;
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

    const functions = createBrokerLambdas(this, {
      table: this.table,
      tableKey: this.tableKey,
      credentialNames: this.credentialNames,
      // Read at synth: the sets create their secrets below, once the refresher their triggers invoke exists.
      refresherCredentials: () => this.credentialSets.map(refresherEntry),
      readerCacheSeconds: resolved.readerCacheSeconds,
      logRetention,
    });
    this.refresher = functions.refresher;
    this.reader = functions.reader;
    this.readerUrl = functions.readerUrl;
    if (props.allowedOrganizationId !== undefined) {
      functions.allowOrganization(props.allowedOrganizationId);
    }

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
    const provider = createDeployRefreshProvider(this, logRetention);
    this.deployRefreshRole = provider.role;
    this.deployRefreshLogGroup = provider.logGroup;

    const sets = new Construct(this, 'CredentialSets');
    this.credentialSets = resolved.credentials.map(
      (credential) => new CredentialSet(sets, credential.name, { broker: this, credential }),
    );

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
    this.dashboard = createDashboard(this, this, this.alarms.all);
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
   * Lets `grantee` call the reader both ways: `lambda:InvokeFunction` (direct invoke)
   * and `lambda:InvokeFunctionUrl` (the Function URL needs both). Nothing else.
   *
   * @param credential the set the grantee reads. Checked against the configured sets; the
   *   grant itself covers the reader, which serves every set.
   * @throws Error when `credential` is not one of the broker's sets.
   * @example
   * broker.grantRead(consumerRole, 'production');
   */
  grantRead(grantee: iam.IGrantable, credential?: string): iam.Grant {
    if (credential !== undefined) servedCredential(this, 'grantRead', credential);
    return grantReaderAccess(this.reader, grantee);
  }

  /**
   * Lets a Lambda function read tokens and tells its `TokenBrokerClient` where from:
   * `TOKEN_BROKER_FUNCTION` (the reader's name: Lambda Invoke) and
   * `TOKEN_BROKER_CREDENTIAL`, plus {@link grantRead} on its role.
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
    const credential = consumerCredential(this, 'connectLambda', options.credential);
    fn.addEnvironment(TOKEN_BROKER_ENV.functionName, this.reader.functionName);
    fn.addEnvironment(TOKEN_BROKER_ENV.credential, credential);
    return this.grantRead(fn, credential);
  }

  /**
   * Lets an ECS container read tokens and tells its `TokenBrokerClient` where from:
   * `TOKEN_BROKER_URL` (the reader's Function URL: SigV4 with the task role) and
   * `TOKEN_BROKER_CREDENTIAL`, plus {@link grantRead} on its task role.
   *
   * @returns the grant, as {@link grantRead} returns it.
   * @throws Error when `options.credential` is not one of the broker's sets, or is
   *   missing while the broker has several.
   */
  connectContainer(container: ecs.ContainerDefinition, options: ConnectConsumerOptions = {}): iam.Grant {
    const credential = consumerCredential(this, 'connectContainer', options.credential);
    container.addEnvironment(TOKEN_BROKER_ENV.url, this.readerUrl.url);
    container.addEnvironment(TOKEN_BROKER_ENV.credential, credential);
    return this.grantRead(container.taskDefinition.taskRole, credential);
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
   * ReadFailed: the reader failed on its side (InternalError), as opposed to refusing a
   * caller. Broker-wide (the reader may fail before knowing the credential). Sum over 5
   * minutes by default.
   */
  metricReadFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return brokerMetric(METRIC.readFailed, {}, props);
  }

  private credentialMetric(
    method: string,
    metricName: (typeof METRIC)[keyof typeof METRIC],
    credential: string,
    props: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    servedCredential(this, method, credential);
    return brokerMetric(metricName, { [DIMENSION.credential]: credential }, props);
  }
}
