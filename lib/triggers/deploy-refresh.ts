/**
 * Token at deploy: after every deploy that creates or changes the refresher, each
 * credential set is refreshed through an asynchronous invoke (`InvocationType: Event`),
 * so a token exists within a minute of `cdk deploy` finishing. The invoke only queues the
 * event: a placeholder secret fails the refresh (retries, failure queue, alarm), never the
 * deployment.
 */
import { createHash } from 'node:crypto';
import { type CfnResource, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import type { RefreshReason } from '../../lambda/core/telemetry.js';

/** What {@link createDeployRefreshes} wires. */
export interface DeployRefreshOptions {
  /** The credential set names to refresh. */
  readonly credentialNames: readonly string[];
  /** Invoked with `{"credential": NAME, "reason": "deploy"}`. */
  readonly refresher: lambda.IFunction;
  /** Retention of the custom resource provider's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Resources the refresh must run after (e.g. the refresher's async invoke config). */
  readonly after?: readonly IConstruct[];
}

const REASON: RefreshReason = 'deploy';

/**
 * The CloudFormation property that makes the custom resources update (and so invoke again)
 * whenever the refresher's code or configuration changes: a hash of its resolved properties.
 */
export const REFRESHER_FINGERPRINT_PROPERTY = 'RefresherFingerprint';

/**
 * Creates `DeployRefresh-<name>` per credential set in `scope`, plus the provider's role
 * (`DeployRefreshProviderRole`) and log group (`DeployRefreshProviderLogGroup`).
 *
 * The provider is the stack-wide AwsCustomResource singleton Lambda; the role and log
 * group given here apply to it when the broker creates it first (the usual case). The role
 * gets lambda:InvokeFunction on the refresher only (unqualified ARN) and writing to its
 * own log group; no AWSLambdaBasicExecutionRole.
 */
export function createDeployRefreshes(
  scope: Construct,
  options: DeployRefreshOptions,
): Map<string, cr.AwsCustomResource> {
  const { refresher } = options;
  const logGroup = new logs.LogGroup(scope, 'DeployRefreshProviderLogGroup', {
    retention: options.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'DeployRefreshProviderRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of the custom resource that refreshes the A55 tokens after a deploy',
  });
  logGroup.grantWrite(role);
  const policy = cr.AwsCustomResourcePolicy.fromStatements([
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [refresher.functionArn] }),
  ]);
  const fingerprint = Lazy.string({ produce: () => fingerprintOf(refresher) });

  const refreshes = new Map<string, cr.AwsCustomResource>();
  for (const name of options.credentialNames) {
    const call: cr.AwsSdkCall = {
      service: 'Lambda',
      action: 'Invoke',
      parameters: {
        FunctionName: refresher.functionName,
        InvocationType: 'Event',
        Payload: JSON.stringify({ credential: name, reason: REASON }),
      },
      physicalResourceId: cr.PhysicalResourceId.of(`token-broker-deploy-refresh-${name}`),
    };
    const resource = new cr.AwsCustomResource(scope, `DeployRefresh-${name}`, {
      resourceType: 'Custom::TokenBrokerDeployRefresh',
      onCreate: call,
      onUpdate: call,
      policy,
      role,
      logGroup,
      // The Lambda runtime's SDK has Invoke; installing the latest would fetch from npm at deploy.
      installLatestAwsSdk: false,
    });
    const cfn = resource.node.findChild('Resource').node.defaultChild as CfnResource;
    cfn.addPropertyOverride(REFRESHER_FINGERPRINT_PROPERTY, fingerprint);
    for (const dependency of options.after ?? []) resource.node.addDependency(dependency);
    refreshes.set(name, resource);
  }
  return refreshes;
}

/**
 * SHA-256 of the refresher's resolved CloudFormation properties that a deploy can change:
 * code (the asset hash is in the S3 key), environment, runtime, handler, memory, timeout,
 * architecture, layers. Deterministic: tokens resolve to the same references every synth.
 */
function fingerprintOf(fn: lambda.IFunction): string {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const properties = Stack.of(fn).resolve({
    code: cfn.code,
    environment: cfn.environment,
    runtime: cfn.runtime,
    handler: cfn.handler,
    memorySize: cfn.memorySize,
    timeout: cfn.timeout,
    architectures: cfn.architectures,
    layers: cfn.layers,
  });
  return createHash('sha256').update(JSON.stringify(properties)).digest('hex');
}
