/**
 * The reader of one credential set (docs/design.md, Decisions: one reader function per set):
 * the prebuilt reader handler configured with that set alone, its own role (the set's two
 * items and nothing else of the table), its own log group and its own Function URL. Every
 * grant and organization permission is on this function, so access to one set never
 * reaches another.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BROKER_FUNCTION_ENV, METRICS_NAMESPACE, SERVICE, stateKey } from '../contract/index.js';
import { createBrokerFunction } from './broker-function.js';
import { grantItemCall, grantTableKey } from './table-access.js';

/**
 * The attributes of its state item the reader writes: the self-healing claim
 * (`SET refreshRequestedAt`, lambda/adapters/dynamodb-state-store.ts). Its UpdateItem is held
 * to these; test/infra/policy-tightening.test.ts checks them against the claim the adapter sends.
 */
export const READER_STATE_ATTRIBUTES = ['refreshRequestedAt'] as const;

/** What {@link createCredentialReader} builds a set's reader from. */
export interface CredentialReaderOptions {
  /** The set the reader serves, and the only one. */
  readonly credential: string;
  readonly table: dynamodb.ITable;
  readonly tableKey: kms.IKey;
  /** What the reader asks for a refresh when it has no token to serve (self-healing). */
  readonly refresher: lambda.IFunction;
  readonly cacheSeconds: number;
  readonly logRetention: logs.RetentionDays;
  /** The broker's name: the `broker` dimension of the metrics it emits (BROKER_NAME). */
  readonly brokerName: string;
}

/** A set's reader and what belongs to it. */
export interface CredentialReader {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** `AuthType: AWS_IAM`: SigV4-signed callers with `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction`. */
  readonly url: lambda.IFunctionUrl;
}

/** Creates `Reader`, `ReaderRole`, `ReaderLogGroup` and the reader's URL in `scope` (the set). */
export function createCredentialReader(scope: Construct, options: CredentialReaderOptions): CredentialReader {
  const { credential, table, refresher } = options;
  const env = BROKER_FUNCTION_ENV;
  const reader = createBrokerFunction(scope, 'Reader', {
    asset: 'reader',
    description: `A55 token broker: serves the stored token of credential set '${credential}' to IAM-authorized callers`,
    timeout: Duration.seconds(10),
    logRetention: options.logRetention,
    environment: {
      [env.tableName]: table.tableName,
      // One name: a request for any other set is UnknownCredential, whatever the caller may invoke.
      [env.credentialNames]: credential,
      [env.readerCacheSeconds]: String(options.cacheSeconds),
      [env.refresherFunctionName]: refresher.functionName,
      [env.brokerName]: options.brokerName,
      POWERTOOLS_SERVICE_NAME: SERVICE.reader,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
  // Its token item and its state item (status), nothing of another set.
  grantItemCall(reader.role, table, 'dynamodb:GetItem', { keys: [credential, stateKey(credential)] });
  // Self-healing: the once-a-minute claim in its own state item, that attribute only.
  grantItemCall(reader.role, table, 'dynamodb:UpdateItem', {
    keys: [stateKey(credential)],
    attributes: READER_STATE_ATTRIBUTES,
  });
  grantTableKey(reader.role, options.tableKey, ['kms:Decrypt', 'kms:DescribeKey']);
  // The unqualified refresher ARN: no `:*` for every version and alias. Never the secret.
  reader.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [refresher.functionArn] }),
  );
  const url = reader.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  return { fn: reader.fn, role: reader.role, logGroup: reader.logGroup, url };
}

/**
 * Resource policy of one set's reader: principals of the organization may call it both
 * ways (they still need an identity policy allowing it).
 */
export function allowOrganizationRead(reader: lambda.Function, organizationId: string): void {
  const principal = new iam.OrganizationPrincipal(organizationId);
  reader.addPermission('OrganizationInvoke', { principal, action: 'lambda:InvokeFunction' });
  reader.addPermission('OrganizationInvokeUrl', {
    principal,
    action: 'lambda:InvokeFunctionUrl',
    functionUrlAuthType: lambda.FunctionUrlAuthType.AWS_IAM,
  });
}
