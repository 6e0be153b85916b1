/**
 * How the refresher gets its credential sets (docs/design.md, decision 33): not through
 * its environment, which Lambda caps at 4 KB (about 12 sets), but in
 * `refresher-config.json`, generated at synth and deployed inside its code asset
 * (lib/lambda-assets.ts), parsed at cold start by the contract's parser. A field known only
 * at deploy time (the ARN of a secret the stack creates, or any token given as a prop)
 * goes into one Parameter Store parameter per set under the broker's path, which the
 * refresher reads once at cold start (`ssm:GetParametersByPath` on that path, nothing else).
 */
import { createHash } from 'node:crypto';
import { ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  DEPLOY_TIME_FIELDS,
  type DeployTimeField,
  formatRefresherConfig,
  REFRESHER_CONFIG_FILE,
  type RefresherConfigEntry,
} from '../contract/index.js';
import type { ResolvedCredential } from './token-broker-props.js';

/** A set as the refresher needs it once it exists: its fields and its secret. */
export interface RefresherSet {
  readonly name: string;
  readonly tokenUrl: string;
  readonly scope?: string;
  readonly secret: secretsmanager.ISecret;
}

/** The refresher's configuration, planned before the sets exist (the asset is hashed at once). */
export interface RefresherConfigPlan {
  /** The asset files: `refresher-config.json`. */
  readonly files: Readonly<Record<string, string>>;
  /** The sets with deploy-time fields, whose parameters {@link createRefresherParameters} makes. */
  readonly deployTimeSets: readonly string[];
  /** Where their parameters live (no trailing slash); set only when there are some. */
  readonly parameterPath?: string;
}

/**
 * Plans the file for `credentials` (validated props, configuration order). A set whose
 * secret the broker creates, or with a token among its fields, names a parameter instead.
 */
export function planRefresherConfig(
  broker: Construct,
  credentials: readonly ResolvedCredential[],
): RefresherConfigPlan {
  const stack = Stack.of(broker);
  const deployTimeSets: string[] = [];
  const entries = credentials.map((credential): RefresherConfigEntry => {
    const known: Partial<Record<DeployTimeField, string>> = {};
    const deployTime: Partial<Record<DeployTimeField, unknown>> = {};
    const fields: Record<DeployTimeField, string | undefined> = {
      secretId: configuredSecretId(credential),
      tokenUrl: credential.tokenUrl,
      scope: credential.scope,
    };
    for (const field of DEPLOY_TIME_FIELDS) {
      const value = fields[field];
      if (value !== undefined && !Token.isUnresolved(value)) known[field] = value;
      // A created secret's ARN exists at deploy only; its reference follows from the set's name.
      else if (value !== undefined) deployTime[field] = stack.resolve(value);
      else if (field === 'secretId') deployTime[field] = `created secret of ${credential.name}`;
    }
    const entry: RefresherConfigEntry = {
      name: credential.name,
      clientAuth: credential.clientAuth,
      ...known,
    };
    if (Object.keys(deployTime).length === 0) return entry;
    deployTimeSets.push(credential.name);
    return {
      ...entry,
      parameter: fingerprint(deployTime),
      parameterFields: DEPLOY_TIME_FIELDS.filter((field) => field in deployTime),
    };
  });
  return {
    files: { [REFRESHER_CONFIG_FILE]: formatRefresherConfig(entries) },
    deployTimeSets,
    ...(deployTimeSets.length === 0 ? {} : { parameterPath: parameterPathOf(broker) }),
  };
}

/**
 * Creates `RefresherConfig/<name>` in `broker` for each set of `plan.deployTimeSets`: a
 * String parameter `<path>/<name>` holding its deploy-time fields as JSON (ARNs and URLs,
 * never a secret value). The refresher depends on them, so it is never invoked first.
 */
export function createRefresherParameters(
  broker: Construct,
  plan: RefresherConfigPlan,
  sets: readonly RefresherSet[],
  refresher: Construct,
): void {
  if (plan.parameterPath === undefined) return;
  const stack = Stack.of(broker);
  const scope = new Construct(broker, 'RefresherConfig');
  for (const set of sets.filter(({ name }) => plan.deployTimeSets.includes(name))) {
    const secretId = set.secret.secretFullArn ?? set.secret.secretName;
    const fields = Object.fromEntries(
      Object.entries({ secretId, tokenUrl: set.tokenUrl, scope: set.scope }).filter(
        ([, value]) => value !== undefined && Token.isUnresolved(value),
      ),
    );
    new ssm.StringParameter(scope, set.name, {
      parameterName: `${plan.parameterPath}/${set.name}`,
      // A path (it starts with `/`), whose stack-name part is a token CDK cannot inspect.
      simpleName: false,
      description: `A55 token broker: deploy-time fields of credential set '${set.name}' (read by the refresher at cold start)`,
      stringValue: stack.toJsonString(fields),
      tier: ssm.ParameterTier.STANDARD,
    });
  }
  refresher.node.addDependency(scope);
}

/** Lets `role` read the parameters under `plan.parameterPath`, the one call the refresher makes. */
export function grantRefresherParameters(role: iam.Role, plan: RefresherConfigPlan): void {
  if (plan.parameterPath === undefined) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // Authorized against the path itself, not the parameters it returns: no wildcard.
      actions: ['ssm:GetParametersByPath'],
      resources: [
        Stack.of(role).formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: plan.parameterPath.slice(1),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    }),
  );
}

/** The secret id the props give (a name or ARN), undefined for a secret the broker creates. */
function configuredSecretId(credential: ResolvedCredential): string | undefined {
  if (credential.secret !== undefined) return credential.secret.secretFullArn ?? credential.secret.secretName;
  return credential.secretName;
}

/**
 * `/a55-token-broker/<stack name>/<the broker's path in its stack>-<hash of it>`: unique
 * per account and region (a stack name is) and per broker within a stack. The stack name
 * is `AWS::StackName`, so two identical brokers in two stacks synthesize the same
 * template, and the refresher's deploy-time fingerprint stays the same.
 */
function parameterPathOf(broker: Construct): string {
  const stack = Stack.of(broker);
  const inStack = broker.node.scopes
    .slice(stack.node.scopes.length)
    .map((scope) => scope.node.id)
    .join('/');
  const readable = inStack.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  return `/a55-token-broker/${Aws.STACK_NAME}/${readable}-${fingerprint(inStack).slice(0, 8)}`;
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
