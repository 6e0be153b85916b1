/**
 * What the refresher may do for each of its credential sets (docs/design.md, decision 43):
 * read the set's secret (and decrypt it with its customer-managed key through Secrets
 * Manager) and make its item calls on the set's own keys. These grants grow with the
 * number of sets, so they are not in the role's inline policy, which IAM caps at 10,240
 * characters for all of a role's inline policies together: they go into customer-managed
 * policies of at most {@link SETS_PER_REFRESHER_POLICY} sets each (6,144 characters
 * apiece, and a role takes 10), in the broker's stack beside the secrets they name, so
 * nothing in the broker's stack refers into a set's nested stack. Each resource is named
 * exactly: no wildcard, no other broker's secret or item.
 */
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { stateKey } from '../contract/index.js';
import { decryptThroughSecretsManager, secretValueArn } from './credential-secret.js';
import { grantItemCall, managedPolicyTarget } from './table-access.js';

/**
 * Sets per managed policy: at the longest name (64 characters) a set's statements resolve
 * to about 560 characters, so ten stay under IAM's 6,144 with room for the document's
 * own; fifty sets take five of the ten managed policies a role may have.
 */
export const SETS_PER_REFRESHER_POLICY = 10;

/** A set as its refresher grant needs it. */
export interface RefresherSetGrant {
  readonly name: string;
  readonly secret: secretsmanager.ISecret;
  /** The secret's customer-managed key, if any. */
  readonly secretEncryptionKey?: kms.IKey;
}

/**
 * Creates `RefresherSetGrants/<n>` in `broker` (n = 1, 2, ...: sets in configuration order,
 * {@link SETS_PER_REFRESHER_POLICY} a policy), attached to the refresher's role; the
 * refresher depends on them, so no trigger runs it before its grants exist.
 */
export function grantRefresherSets(
  broker: Construct,
  refresher: lambda.Function,
  table: dynamodb.ITable,
  sets: readonly RefresherSetGrant[],
): iam.ManagedPolicy[] {
  const role = refresher.role as iam.IRole;
  const scope = new Construct(broker, 'RefresherSetGrants');
  const policies: iam.ManagedPolicy[] = [];
  for (let start = 0; start < sets.length; start += SETS_PER_REFRESHER_POLICY) {
    const group = sets.slice(start, start + SETS_PER_REFRESHER_POLICY);
    const names = group.map((set) => set.name);
    const policy = new iam.ManagedPolicy(scope, String(policies.length + 1), {
      description:
        `A55 token broker refresher: secrets and items of credential sets ${names.join(', ')}`.slice(0, 1000),
      roles: [role],
    });
    const target = managedPolicyTarget(policy);
    // The calls its code makes, each on these sets' items only (no Scan, Query, Delete, Batch*):
    // it reads the stored token (and may read the state), ...
    grantItemCall(target, table, 'dynamodb:GetItem', { keys: [...names, ...names.map(stateKey)] });
    // ... writes tokens with a conditional Put, ...
    grantItemCall(target, table, 'dynamodb:PutItem', { keys: names });
    // ... and records its last error and success in the `<name>#state` item, and only there.
    grantItemCall(target, table, 'dynamodb:UpdateItem', { keys: names.map(stateKey) });
    // One statement for all the group's secrets: a statement per secret would repeat its
    // action and effect fifty times over the policies.
    policy.addStatements(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: group.map((set) => secretValueArn(set.secret)),
      }),
    );
    // A key per statement: a secret's customer-managed key is rare, and each stays readable.
    for (const set of group) {
      if (set.secretEncryptionKey === undefined) continue;
      policy.addStatements(decryptThroughSecretsManager(Stack.of(broker).region, [set.secretEncryptionKey]));
    }
    refresher.node.addDependency(policy);
    policies.push(policy);
  }
  return policies;
}
