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
import { refreshEvent } from '../../contract/index.js';

/**
 * The CloudFormation property that makes the custom resources update (and so invoke again)
 * whenever the refresher's code or configuration changes: a hash of its resolved properties.
 */
export const REFRESHER_FINGERPRINT_PROPERTY = 'RefresherFingerprint';

/** The role and log group of the custom resource provider, shared by every credential set. */
export interface DeployRefreshProvider {
  /** May invoke the refresher (one statement for every set) and write {@link logGroup}; nothing else. */
  readonly role: iam.Role;
  /** The provider's logs. */
  readonly logGroup: logs.LogGroup;
}

/**
 * Creates `DeployRefreshProviderRole` and `DeployRefreshProviderLogGroup` in `scope`.
 *
 * The provider is the stack-wide AwsCustomResource singleton Lambda; this role and log
 * group apply to it when the broker creates it first (the usual case). No
 * AWSLambdaBasicExecutionRole: its logs:* actions apply to every log group of the account.
 */
export function createDeployRefreshProvider(
  scope: Construct,
  logRetention: logs.RetentionDays,
  refresher: lambda.IFunction,
): DeployRefreshProvider {
  const logGroup = new logs.LogGroup(scope, 'DeployRefreshProviderLogGroup', {
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'DeployRefreshProviderRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of the custom resource that refreshes the A55 tokens after a deploy',
  });
  logGroup.grantWrite(role);
  // Once for every set: a policy per set's custom resource on this one role would add up,
  // with 50 sets, past IAM's 10,240 characters of inline policy per role.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [refresher.functionArn] }),
  );
  return { role, logGroup };
}

/** What {@link createDeployRefresh} wires. */
export interface DeployRefreshOptions {
  /** The credential set to refresh. */
  readonly credential: string;
  /** Invoked with `{"credential": NAME, "reason": "deploy"}`. */
  readonly refresher: lambda.IFunction;
  /** The broker's {@link createDeployRefreshProvider}. */
  readonly provider: DeployRefreshProvider;
  /** Resources the refresh must run after (e.g. the refresher's async invoke config). */
  readonly after?: readonly IConstruct[];
}

/**
 * Creates `DeployRefresh` in `scope` (the credential set): an asynchronous invoke of the
 * refresher on create and on every update, through the provider's role (lambda:InvokeFunction
 * on the refresher only, unqualified ARN: {@link createDeployRefreshProvider}).
 */
export function createDeployRefresh(scope: Construct, options: DeployRefreshOptions): cr.AwsCustomResource {
  const { refresher, provider, credential } = options;
  const call: cr.AwsSdkCall = {
    service: 'Lambda',
    action: 'Invoke',
    parameters: {
      FunctionName: refresher.functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(refreshEvent(credential, 'deploy')),
    },
    physicalResourceId: cr.PhysicalResourceId.of(`token-broker-deploy-refresh-${credential}`),
  };
  const resource = new cr.AwsCustomResource(scope, 'DeployRefresh', {
    resourceType: 'Custom::TokenBrokerDeployRefresh',
    onCreate: call,
    onUpdate: call,
    // No policy of its own: the provider's role may already invoke the refresher.
    role: provider.role,
    logGroup: provider.logGroup,
    // The Lambda runtime's SDK has Invoke; installing the latest would fetch from npm at deploy.
    installLatestAwsSdk: false,
  });
  const cfn = resource.node.findChild('Resource').node.defaultChild as CfnResource;
  cfn.addPropertyOverride(
    REFRESHER_FINGERPRINT_PROPERTY,
    Lazy.string({ produce: () => fingerprintOf(refresher) }),
  );
  // After the role's grant (its default policy is inside the role's construct).
  resource.node.addDependency(provider.role);
  for (const dependency of options.after ?? []) resource.node.addDependency(dependency);
  return resource;
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
