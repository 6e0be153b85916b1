/**
 * The TokenBroker construct: a DynamoDB token cache, a scheduled refresher that alone
 * reads the client secrets, and an IAM-protected reader that serves the cached tokens
 * (see DESIGN.md). Every cdk-nag finding it causes is acknowledged here, with its reason.
 */
import { Duration, RemovalPolicy, SecretValue, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, type IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  A55_TOKEN_URL,
  type CredentialConfig,
  SECRET_PLACEHOLDER,
} from '../lambda/core/credential-config.js';
import { createBrokerFunction } from './broker-function.js';
import { acknowledgeNag } from './nag.js';
import {
  type TokenBrokerCredential,
  type TokenBrokerProps,
  validateTokenBrokerProps,
} from './token-broker-props.js';

/** Metrics namespace of both functions (Powertools EMF). */
const METRICS_NAMESPACE = 'TokenBroker';

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
      secret: this.secretFor(credential),
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
        POWERTOOLS_SERVICE_NAME: 'token-broker-refresher',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.refresher = refresher.fn;
    // table.grant, not grantReadWriteData: the refresher needs two item calls, not Scan/Delete/Batch*.
    this.table.grant(refresher.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
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
        POWERTOOLS_SERVICE_NAME: 'token-broker-reader',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.reader = reader.fn;
    this.table.grant(reader.role, 'dynamodb:GetItem');
    this.grantTableKey(reader.role, ['kms:Decrypt', 'kms:DescribeKey']);
    this.readerUrl = this.reader.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    if (props.allowedOrganizationId !== undefined) this.allowOrganization(props.allowedOrganizationId);

    this.schedules = this.createSchedules(refreshIntervalMinutes);
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

  /** Creates the set's placeholder secret, or imports the one named in its config. */
  private secretFor(credential: TokenBrokerCredential): secretsmanager.ISecret {
    const id = `Secret-${credential.name}`;
    if (credential.secret) return credential.secret;
    if (credential.secretName) return secretsmanager.Secret.fromSecretNameV2(this, id, credential.secretName);
    const secret = new secretsmanager.Secret(this, id, {
      description:
        `A55 token broker client credentials of credential set '${credential.name}'. Replace the placeholder ` +
        'with {"client_id": "...", "client_secret": "..."} (console: Retrieve secret value > Edit).',
      secretObjectValue: {
        // A placeholder, not a secret: it is meant to be visible in the template.
        client_id: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
        client_secret: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
      },
      // Operators' data: the real client secret must survive a stack deletion or replacement.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeNag(
      secret,
      'AwsSolutions-SMG4',
      'A55 issues and rotates client credentials by e-mail; there is no API a rotation Lambda could call. ' +
        'Operators paste the new value, and the refresher reads the secret on every run.',
    );
    return secret;
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

  /** One EventBridge Scheduler schedule per set, all through one role that may invoke only the refresher. */
  private createSchedules(intervalMinutes: number): Map<string, Schedule> {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'SchedulerRole', {
      description: 'Lets EventBridge Scheduler invoke the token broker refresher',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy guard: only this account's default schedule group may assume it.
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.refresher.functionArn],
      }),
    );
    // LambdaInvoke would add `<arn>:*` (every version and alias); the statement above is all it needs.
    const targetRole = role.withoutPolicyUpdates();
    const interval = Duration.minutes(intervalMinutes);

    return new Map(
      this.credentialNames.map((name) => [
        name,
        new Schedule(this, `Schedule-${name}`, {
          description: `Refreshes the A55 token of credential set '${name}'`,
          schedule: ScheduleExpression.rate(interval),
          timeWindow: TimeWindow.off(),
          target: new LambdaInvoke(this.refresher, {
            role: targetRole,
            input: ScheduleTargetInput.fromObject({ credential: name }),
            // An event older than one interval is superseded by the next one.
            maxEventAge: interval,
          }),
        }),
      ]),
    );
  }
}
