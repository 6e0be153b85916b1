/**
 * The TokenBroker construct: a DynamoDB token cache, a scheduled refresher that alone
 * reads the client secrets, and an IAM-protected reader that serves the cached tokens
 * (see DESIGN.md), plus its operations (lib/operations/): refresh on secret rotation and
 * after every deploy, a failure queue, alarms and a dashboard. Every cdk-nag finding it
 * causes is acknowledged, with its reason, where the resource is created.
 */
import { Duration, RemovalPolicy, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, type IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { A55_TOKEN_URL, type CredentialConfig } from '../lambda/core/credential-config.js';
import { METRICS_NAMESPACE, SERVICE, STATE_KEY_SUFFIX } from '../lambda/core/telemetry.js';
import { createBrokerFunction } from './broker-function.js';
import { credentialSecret } from './credential-secret.js';
import { acknowledgeNag } from './nag.js';
import { createAlarms, type TokenBrokerAlarms } from './operations/alarms.js';
import { createDashboard } from './operations/dashboard.js';
import { createDeployRefreshes } from './operations/deploy-refresh.js';
import { createFailureQueue, EncryptedQueueDestination } from './operations/failure-queue.js';
import { createRotationRules } from './operations/rotation.js';
import { createRefreshSchedules } from './refresh-schedules.js';
import { type TokenBrokerProps, validateTokenBrokerProps } from './token-broker-props.js';

/**
 * A55 token broker: keeps one fresh OAuth 2.0 client-credentials token per credential
 * set in DynamoDB and serves it to IAM-authorized callers.
 *
 * @example
 * const broker = new TokenBroker(this, 'TokenBroker', {
 *   credentials: [{ name: 'sandbox', tokenUrl: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token' }],
 * });
 * broker.grantRead(consumerFunction);
 */
export class TokenBroker extends Construct {
  /** The token cache, one item per credential set (partition key `credential`). */
  readonly table: dynamodb.Table;
  /** Customer-managed key encrypting {@link table}, rotated yearly. */
  readonly tableKey: kms.Key;
  /** Fetches a token for `{"credential": name}` and stores it; only scheduled/trusted callers invoke it. */
  readonly refresher: NodejsFunction;
  /** Serves stored tokens; has no access to any secret. */
  readonly reader: NodejsFunction;
  /** The reader's Function URL (`AuthType: AWS_IAM`, `GET /token?credential=NAME`). */
  readonly readerUrl: IFunctionUrl;
  /** The client credentials secret of each set, by set name. */
  readonly secrets: ReadonlyMap<string, secretsmanager.ISecret>;
  /** The refresh schedule of each set, by set name. */
  readonly schedules: ReadonlyMap<string, Schedule>;
  /** Set names in configuration order; the first is the reader's default. */
  readonly credentialNames: readonly string[];
  /**
   * Failed refreshes: the refresher's async on-failure destination and the rotation rules'
   * dead-letter queue. KMS-encrypted ({@link failureQueueKey}), TLS only, 14 days retention.
   */
  readonly failureQueue: sqs.Queue;
  /** Customer-managed key encrypting {@link failureQueue}, rotated yearly. */
  readonly failureQueueKey: kms.Key;
  /** The `Secret Label Updated` (AWSCURRENT) rule of each set, by set name. */
  readonly rotationRules: ReadonlyMap<string, events.Rule>;
  /** The custom resource that refreshes each set after a deploy, by set name. */
  readonly deployRefreshes: ReadonlyMap<string, AwsCustomResource>;
  /** Every alarm, per credential set and broker-wide. */
  readonly alarms: TokenBrokerAlarms;
  /** The broker's CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: TokenBrokerProps) {
    super(scope, id);
    const { refreshIntervalMinutes, readerCacheSeconds } = validateTokenBrokerProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.tableKey = new kms.Key(this, 'TableKey', {
      description: 'Encrypts the A55 token broker token cache (DynamoDB)',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'credential', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      timeToLiveAttribute: 'ttl',
      removalPolicy,
    });
    acknowledgeNag(
      this.table,
      'AwsSolutions-DDB3',
      'The table is a cache of one-hour bearer tokens that the refresher rebuilds within one schedule ' +
        'interval; a point-in-time restore could only bring back expired tokens, and backups would keep ' +
        'copies of bearer tokens for 35 days.',
    );

    const credentials = props.credentials.map((credential) => ({
      ...credential,
      secret: credentialSecret(this, credential),
    }));
    this.credentialNames = credentials.map((credential) => credential.name);
    this.secrets = new Map(credentials.map((credential) => [credential.name, credential.secret]));
    const refresherConfig: CredentialConfig[] = credentials.map((credential) => ({
      name: credential.name,
      tokenUrl: credential.tokenUrl ?? A55_TOKEN_URL,
      ...(credential.scope === undefined ? {} : { scope: credential.scope }),
      clientAuth: credential.clientAuth ?? 'client_secret_post',
      // A created secret's full ARN; an imported one by name (its ARN suffix is unknown).
      secretId: credential.secret.secretFullArn ?? credential.secret.secretName,
    }));

    const refresher = createBrokerFunction(this, 'Refresher', {
      entry: 'refresh.ts',
      description: 'A55 token broker: fetches a client-credentials token and stores it in DynamoDB',
      // Room for the token request's 10 s timeout plus backoff retries on 429/5xx.
      timeout: Duration.seconds(60),
      logRetention,
      environment: {
        TABLE_NAME: this.table.tableName,
        // toJsonString keeps the secret ARNs as CloudFormation references.
        CREDENTIALS: Stack.of(this).toJsonString(refresherConfig),
        POWERTOOLS_SERVICE_NAME: SERVICE.refresher,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.refresher = refresher.fn;
    // table.grant, not grantReadWriteData: the refresher needs item calls, not Scan/Delete/Batch*.
    this.table.grant(refresher.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    // It records its last error and success in the `<name>#state` item, and only there.
    this.grantStateUpdates(refresher.role);
    // What grantWriteData would give on the key, without the ReEncrypt*/GenerateDataKey* wildcards
    // that DynamoDB item calls never use.
    this.grantTableKey(refresher.role, [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]);
    for (const credential of credentials) credential.secret.grantRead(refresher.role);

    const reader = createBrokerFunction(this, 'Reader', {
      entry: 'read.ts',
      description: 'A55 token broker: serves the stored token to IAM-authorized callers',
      timeout: Duration.seconds(10),
      logRetention,
      environment: {
        TABLE_NAME: this.table.tableName,
        CREDENTIAL_NAMES: this.credentialNames.join(','),
        READ_CACHE_SECONDS: String(readerCacheSeconds),
        REFRESHER_FUNCTION_NAME: this.refresher.functionName,
        POWERTOOLS_SERVICE_NAME: SERVICE.reader,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.reader = reader.fn;
    this.table.grant(reader.role, 'dynamodb:GetItem');
    this.grantTableKey(reader.role, ['kms:Decrypt', 'kms:DescribeKey']);
    // Self-healing: claim the once-a-minute refresh request in the state item, then ask the
    // refresher (unqualified ARN: no `:*` for every version and alias). Never the secret.
    this.grantStateUpdates(reader.role);
    reader.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.refresher.functionArn],
      }),
    );
    this.readerUrl = this.reader.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    if (props.allowedOrganizationId !== undefined) this.allowOrganization(props.allowedOrganizationId);

    this.schedules = createRefreshSchedules(
      this,
      this.refresher,
      this.credentialNames,
      refreshIntervalMinutes,
    );

    const failureQueue = createFailureQueue(this, removalPolicy);
    this.failureQueue = failureQueue.queue;
    this.failureQueueKey = failureQueue.key;
    this.refresher.configureAsyncInvoke({
      retryAttempts: 2,
      // An event older than one interval is superseded by the next scheduled refresh.
      maxEventAge: Duration.minutes(refreshIntervalMinutes),
      onFailure: new EncryptedQueueDestination(failureQueue),
    });
    this.rotationRules = createRotationRules(this, {
      secrets: this.secrets,
      refresher: this.refresher,
      deadLetterQueue: this.failureQueue,
    });
    this.deployRefreshes = createDeployRefreshes(this, {
      credentialNames: this.credentialNames,
      refresher: this.refresher,
      logRetention,
      // With retries and the failure queue in place, a deploy-time failure is reported like any other.
      after: [this.refresher.node.findChild('EventInvokeConfig')],
    });

    this.alarms = createAlarms(this, {
      credentialNames: this.credentialNames,
      failureQueue: this.failureQueue,
      ...(props.alarmTopic === undefined ? {} : { topic: props.alarmTopic }),
    });
    this.dashboard = createDashboard(this, {
      credentialNames: this.credentialNames,
      reader: this.reader,
      failureQueue: this.failureQueue,
      alarms: this.alarms.all,
    });
  }

  /**
   * Lets `grantee` call the reader both ways: `lambda:InvokeFunction` (direct invoke)
   * and `lambda:InvokeFunctionUrl` (the Function URL needs both). Nothing else.
   *
   * @example
   * broker.grantRead(consumerFunction);
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const principalAccount = grantee.grantPrincipal.principalAccount;
    const comparison =
      principalAccount === undefined
        ? undefined
        : Token.compareStrings(principalAccount, Stack.of(this).account);
    if (comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED) {
      // One statement on the unqualified ARN: no `:*` qualifier wildcard in the caller's policy.
      const grant = iam.Grant.addToPrincipal({
        grantee,
        actions: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
        resourceArns: [this.reader.functionArn],
      });
      if (grant.success) return grant;
    }
    // Another account or a service principal: the reader's resource policy must allow it,
    // which the Function's own grants add.
    return this.reader.grantInvoke(grantee).combine(this.reader.grantInvokeUrl(grantee));
  }

  /** Lets `role` use the table key, only through DynamoDB (kms:ViaService). */
  private grantTableKey(role: iam.IRole, actions: string[]): void {
    const region = Stack.of(this).region;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [this.tableKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * UpdateItem on state items only: `dynamodb:LeadingKeys` must end in `#state`, so the
   * grantee can never rewrite or delete a token item with it.
   */
  private grantStateUpdates(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`*${STATE_KEY_SUFFIX}`] },
        },
      }),
    );
  }

  /** Resource policy: principals of the organization may call the reader both ways. */
  private allowOrganization(organizationId: string): void {
    const principal = new iam.OrganizationPrincipal(organizationId);
    this.reader.addPermission('OrganizationInvoke', { principal, action: 'lambda:InvokeFunction' });
    this.reader.addPermission('OrganizationInvokeUrl', {
      principal,
      action: 'lambda:InvokeFunctionUrl',
      functionUrlAuthType: FunctionUrlAuthType.AWS_IAM,
    });
  }
}
