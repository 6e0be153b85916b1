/**
 * What the refresher may do for each of its credential sets (docs/design.md, decision 43):
 * read the set's secret (and decrypt it with its customer-managed key through Secrets
 * Manager) and make its item calls on the set's own keys. These grants grow with the
 * number of sets, so they are not in the role's inline policy, which IAM caps at 10,240
 * characters for all of a role's inline policies together: they go into customer-managed
 * policies of 6,144 characters at most (a role takes 10), each filled with sets in
 * configuration order up to that size as deployed, in the broker's stack beside the secrets
 * they name, so nothing in the broker's stack refers into a set's nested stack. Each
 * resource is named exactly: no wildcard, no other broker's secret or item.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { show, stateKey, TokenBrokerConfigError } from '../contract/index.js';
import { decryptThroughSecretsManager, secretValueArn } from './credential-secret.js';
import { deployedCharactersAtMost, IAM_ROLE_QUOTAS } from './policy-size.js';
import { grantItemCall, type StatementTarget } from './table-access.js';

/** A set as its refresher grant needs it. */
export interface RefresherSetGrant {
  readonly name: string;
  readonly secret: secretsmanager.ISecret;
  /** The secret's customer-managed key, if any. */
  readonly secretEncryptionKey?: kms.IKey;
}

/**
 * The statements of one grant policy for `group`: one per item call, one for all the
 * group's secrets and one for all their distinct keys. A statement per set (or per key)
 * would repeat its action, resource and conditions, and ten sets with a key each passed
 * 6,144 characters.
 */
function groupStatements(
  region: string,
  table: dynamodb.ITable,
  group: readonly RefresherSetGrant[],
): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const target: StatementTarget = {
    addToPrincipalPolicy(statement) {
      statements.push(statement);
      return { statementAdded: true };
    },
  };
  const names = group.map((set) => set.name);
  // The calls its code makes, each on these sets' items only (no Scan, Query, Delete, Batch*):
  // it reads the stored token (and may read the state), ...
  grantItemCall(target, table, 'dynamodb:GetItem', { keys: [...names, ...names.map(stateKey)] });
  // ... writes tokens with a conditional Put, ...
  grantItemCall(target, table, 'dynamodb:PutItem', { keys: names });
  // ... and records its last error and success in the `<name>#state` item, and only there.
  grantItemCall(target, table, 'dynamodb:UpdateItem', { keys: names.map(stateKey) });
  statements.push(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: group.map((set) => secretValueArn(set.secret)),
    }),
  );
  // Sets that share a key name it once.
  const keys = new Map<string, kms.IKey>();
  for (const set of group) {
    if (set.secretEncryptionKey !== undefined) {
      keys.set(
        JSON.stringify(Stack.of(set.secretEncryptionKey).resolve(set.secretEncryptionKey.keyArn)),
        set.secretEncryptionKey,
      );
    }
  }
  if (keys.size > 0) statements.push(decryptThroughSecretsManager(region, [...keys.values()]));
  return statements;
}

/**
 * Splits `sets`, in order, into groups whose policy stays within IAM's 6,144 characters
 * as deployed: each group takes sets until the next would pass it. A set appended to the
 * configuration joins the last group or starts a new one, so no earlier policy changes.
 */
function packSets(
  stack: Stack,
  table: dynamodb.ITable,
  sets: readonly RefresherSetGrant[],
): RefresherSetGrant[][] {
  const types = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnResource && construct.stack === stack) {
      types.set(stack.resolve(construct.logicalId), construct.cfnResourceType);
    }
  }
  const size = (group: readonly RefresherSetGrant[]) =>
    deployedCharactersAtMost(
      stack.resolve({
        Version: '2012-10-17',
        Statement: groupStatements(stack.region, table, group).map((statement) =>
          statement.toStatementJson(),
        ),
      }),
      (logicalId) => types.get(logicalId),
      // At synth a secret or key of another stack is still a `Ref` to its resource there,
      // and a parameter's value is unknown: each counts as the longest ARN a grant names.
      { opaqueValues: true },
    );
  const groups: RefresherSetGrant[][] = [];
  let current: RefresherSetGrant[] = [];
  for (const set of sets) {
    const candidate = [...current, set];
    if (size(candidate) <= IAM_ROLE_QUOTAS.managedPolicyCharacters) {
      current = candidate;
      continue;
    }
    // Unreachable within the name and secretName limits (a set alone is under 2,500
    // characters), and kept so a future field cannot fail only at deploy.
    if (current.length === 0) {
      throw new TokenBrokerConfigError(
        `credential set ${show(set.name)}: its refresher grant alone is ${size(candidate)} characters, over ` +
          `IAM's ${IAM_ROLE_QUOTAS.managedPolicyCharacters} for a managed policy: use a shorter secretName`,
      );
    }
    groups.push(current);
    current = [set];
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Creates `RefresherSetGrants/<n>` in `broker` (n = 1, 2, ...: sets in configuration order,
 * as many a policy as fit), attached to the refresher's role; the refresher depends on
 * them, so no trigger runs it before its grants exist.
 * @throws TokenBrokerConfigError naming the broker when the grants need more managed
 *   policies than a role takes.
 */
export function grantRefresherSets(
  broker: Construct,
  refresher: lambda.Function,
  table: dynamodb.ITable,
  sets: readonly RefresherSetGrant[],
): iam.ManagedPolicy[] {
  const role = refresher.role as iam.IRole;
  const stack = Stack.of(broker);
  const groups = packSets(stack, table, sets);
  // The broker attaches no other managed policy to the refresher's role (its own grants are
  // inline), so the set grants may take all ten; an operator's own attached policy counts too.
  const quota = IAM_ROLE_QUOTAS.managedPoliciesPerRole;
  if (groups.length > quota) {
    throw new TokenBrokerConfigError(
      `${broker.node.path}: the refresher's grants for these ${sets.length} credential sets need ` +
        `${groups.length} managed policies of ${IAM_ROLE_QUOTAS.managedPolicyCharacters} characters, and its ` +
        `role takes ${quota} (the broker attaches no other): use shorter secretName values, one shared ` +
        'secretKmsKeyArn, or split the sets between two brokers',
    );
  }
  const scope = new Construct(broker, 'RefresherSetGrants');
  return groups.map((group, index) => {
    const policy = new iam.ManagedPolicy(scope, String(index + 1), {
      // Fixed, without set names: Description cannot be updated in place, and replacing every
      // policy at once when a set is removed would briefly double the role's policies.
      description: `A55 token broker refresher: secrets and items of its credential sets, group ${index + 1}`,
      roles: [role],
      statements: groupStatements(stack.region, table, group),
    });
    refresher.node.addDependency(policy);
    return policy;
  });
}
