/**
 * What a broker role may do on the token table: item calls held by `dynamodb:LeadingKeys`
 * to the partition keys of its own credential sets (`<name>` token items, `<name>#state`
 * state items), optionally to named attributes, and the table key only through DynamoDB.
 */
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { TABLE_PARTITION_KEY } from '../contract/index.js';

/** Limits of one {@link grantItemCall}. */
export interface ItemCallLimits {
  /** The partition keys the call may name (`dynamodb:LeadingKeys`). */
  readonly keys: readonly string[];
  /**
   * The only attributes an update may touch besides the key (`dynamodb:Attributes`); the
   * call may then not return other attributes (`dynamodb:ReturnValues`).
   * @default - any attribute of the allowed items
   */
  readonly attributes?: readonly string[];
}

/**
 * Where a grant's statements go: a role's own policy, or a managed policy through
 * {@link managedPolicyTarget}.
 */
export type StatementTarget = Pick<iam.IPrincipal, 'addToPrincipalPolicy'>;

/** `policy` as a {@link StatementTarget}: statements added to it (it is attached where it says). */
export function managedPolicyTarget(policy: iam.ManagedPolicy): StatementTarget {
  return {
    addToPrincipalPolicy(statement) {
      policy.addStatements(statement);
      return { statementAdded: true, policyDependable: policy };
    },
  };
}

/**
 * Lets `role` make one item call (`dynamodb:GetItem`, `PutItem`, `UpdateItem`) on `table`,
 * on the items whose partition key is one of `limits.keys` only.
 */
export function grantItemCall(
  role: StatementTarget,
  table: dynamodb.ITable,
  action: string,
  limits: ItemCallLimits,
): void {
  const forAll: Record<string, string[]> = { 'dynamodb:LeadingKeys': [...limits.keys] };
  const conditions: Record<string, Record<string, string[]>> = { 'ForAllValues:StringEquals': forAll };
  if (limits.attributes !== undefined) {
    // IAM evaluates dynamodb:Attributes over every attribute the request names, the key included.
    forAll['dynamodb:Attributes'] = [TABLE_PARTITION_KEY, ...limits.attributes];
    // ALL_OLD / ALL_NEW would hand back attributes the statement does not list.
    conditions.StringEqualsIfExists = { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] };
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [action], resources: [table.tableArn], conditions }),
  );
}

/** Lets `role` use the table key, only through DynamoDB (kms:ViaService). */
export function grantTableKey(role: iam.IRole, key: kms.IKey, actions: string[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(role).region}.amazonaws.com` } },
    }),
  );
}
