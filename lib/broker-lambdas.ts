/**
 * The broker's two functions as the TokenBroker wires them: the refresher (the only one
 * that reads the client secrets; each CredentialSet grants it its own) and the reader
 * (no secret at all), with their environment (names from contract/environment.ts) and
 * their table, key and state-item permissions.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, type IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  BROKER_FUNCTION_ENV,
  METRICS_NAMESPACE,
  type RefresherCredentialSet,
  SERVICE,
  STATE_KEY_SUFFIX,
} from '../contract/index.js';
import { createBrokerFunction } from './broker-function.js';

/** What {@link createBrokerLambdas} builds the functions from. */
export interface BrokerLambdasOptions {
  readonly table: dynamodb.Table;
  readonly tableKey: kms.IKey;
  /** In configuration order; the first is the reader's default. */
  readonly credentialNames: readonly string[];
  /** The refresher's sets with their secret ids; called at synth, once every set exists. */
  readonly refresherCredentials: () => readonly RefresherCredentialSet[];
  readonly readerCacheSeconds: number;
  readonly logRetention: logs.RetentionDays;
}

/** The two functions, the reader's URL, and the organization-wide access to it. */
export interface BrokerLambdas {
  readonly refresher: NodejsFunction;
  readonly reader: NodejsFunction;
  readonly readerUrl: IFunctionUrl;
  /** Resource policy: principals of the organization may call the reader both ways. */
  allowOrganization(organizationId: string): void;
}

/** Creates `Refresher`, `Reader` (each with its role and log group) and the reader's URL in `scope`. */
export function createBrokerLambdas(scope: Construct, options: BrokerLambdasOptions): BrokerLambdas {
  const { table, tableKey } = options;
  const env = BROKER_FUNCTION_ENV;
  const stack = Stack.of(scope);

  const refresher = createBrokerFunction(scope, 'Refresher', {
    entry: 'refresh.ts',
    description: 'A55 token broker: fetches a client-credentials token and stores it in DynamoDB',
    // Room for the token request's 10 s timeout plus backoff retries on 429/5xx.
    timeout: Duration.seconds(60),
    logRetention: options.logRetention,
    environment: {
      [env.tableName]: table.tableName,
      // toJsonString keeps the secret ARNs as CloudFormation references.
      [env.credentials]: Lazy.string({ produce: () => stack.toJsonString(options.refresherCredentials()) }),
      POWERTOOLS_SERVICE_NAME: SERVICE.refresher,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
  // table.grant, not grantReadWriteData: the refresher needs item calls, not Scan/Delete/Batch*.
  table.grant(refresher.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
  // It records its last error and success in the `<name>#state` item, and only there.
  grantStateUpdates(refresher.role, table);
  // What grantWriteData would give on the key, without the ReEncrypt*/GenerateDataKey* wildcards
  // that DynamoDB item calls never use.
  grantTableKey(refresher.role, tableKey, [
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:Encrypt',
    'kms:GenerateDataKey',
  ]);

  const reader = createBrokerFunction(scope, 'Reader', {
    entry: 'read.ts',
    description: 'A55 token broker: serves the stored token to IAM-authorized callers',
    timeout: Duration.seconds(10),
    logRetention: options.logRetention,
    environment: {
      [env.tableName]: table.tableName,
      [env.credentialNames]: options.credentialNames.join(','),
      [env.readerCacheSeconds]: String(options.readerCacheSeconds),
      [env.refresherFunctionName]: refresher.fn.functionName,
      POWERTOOLS_SERVICE_NAME: SERVICE.reader,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
  table.grant(reader.role, 'dynamodb:GetItem');
  grantTableKey(reader.role, tableKey, ['kms:Decrypt', 'kms:DescribeKey']);
  // Self-healing: claim the once-a-minute refresh request in the state item, then ask the
  // refresher (unqualified ARN: no `:*` for every version and alias). Never the secret.
  grantStateUpdates(reader.role, table);
  reader.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [refresher.fn.functionArn] }),
  );
  const readerUrl = reader.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

  return {
    refresher: refresher.fn,
    reader: reader.fn,
    readerUrl,
    allowOrganization(organizationId) {
      const principal = new iam.OrganizationPrincipal(organizationId);
      reader.fn.addPermission('OrganizationInvoke', { principal, action: 'lambda:InvokeFunction' });
      reader.fn.addPermission('OrganizationInvokeUrl', {
        principal,
        action: 'lambda:InvokeFunctionUrl',
        functionUrlAuthType: FunctionUrlAuthType.AWS_IAM,
      });
    },
  };
}

/** Lets `role` use the table key, only through DynamoDB (kms:ViaService). */
function grantTableKey(role: iam.IRole, key: kms.IKey, actions: string[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(role).region}.amazonaws.com` } },
    }),
  );
}

/**
 * UpdateItem on state items only: `dynamodb:LeadingKeys` must end in `#state`, so the
 * grantee can never rewrite or delete a token item with it.
 */
function grantStateUpdates(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`*${STATE_KEY_SUFFIX}`] },
      },
    }),
  );
}

/** A set as the refresher's CREDENTIALS variable carries it. */
export function refresherEntry(set: {
  readonly name: string;
  readonly tokenUrl: string;
  readonly scope?: string;
  readonly clientAuth: string;
  readonly secret: secretsmanager.ISecret;
}): RefresherCredentialSet {
  return {
    name: set.name,
    tokenUrl: set.tokenUrl,
    ...(set.scope === undefined ? {} : { scope: set.scope }),
    clientAuth: set.clientAuth as RefresherCredentialSet['clientAuth'],
    // A created secret's full ARN; an imported one by name (its ARN suffix is unknown).
    secretId: set.secret.secretFullArn ?? set.secret.secretName,
  };
}
