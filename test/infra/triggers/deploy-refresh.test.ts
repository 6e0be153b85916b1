import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBroker } from '../../../lib/token-broker.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { REFRESHER_FINGERPRINT_PROPERTY } from '../../../lib/triggers/deploy-refresh.js';
import {
  arnOf,
  type Json,
  type Resource,
  render,
  type Synthesized,
  statementsOfRole,
  synthesize,
  testApp,
} from '../template.js';

/** The stack-wide AwsCustomResource provider (a SingletonFunction of aws-cdk-lib). */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';
const { app, outdir } = testApp('infra-deploy-refresh');

// GIVEN the deployable stack: a created secret, one imported by name, a 45-minute interval
const opsStack = new TokenBrokerStack(app, 'Operations', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    refreshIntervalMinutes: 45,
  }),
});
const ops = opsStack.broker;

// GIVEN two identical brokers, and a third whose refresher configuration differs
const twins = ['TwinA', 'TwinB', 'Changed'].map(
  // One brokerName: otherwise each twin's BROKER_NAME (its metric dimension) is its stack's name.
  (id) =>
    new TokenBroker(new Stack(app, id), 'Broker', { credentials: [{ name: 'default' }], brokerName: 'twin' }),
);
twins[2]?.refresher.addEnvironment('POWERTOOLS_LOG_LEVEL', 'DEBUG');

let synthesized: Record<'ops' | 'twinA' | 'twinB' | 'changed', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  const [twinA, twinB, changed] = twins.map((broker) => Stack.of(broker));
  synthesized = synthesize(app, outdir, {
    ops: opsStack,
    twinA: twinA as Stack,
    twinB: twinB as Stack,
    changed: changed as Stack,
  });
});

/** The AWS::CloudFormation custom resource of a credential's deploy-time refresh. */
function deployRefreshOf(stack: Synthesized, broker: TokenBroker, name: string): Resource {
  return stack.resource(broker.credentialSet(name).deployRefresh.node.findChild('Resource'));
}

/** The SDK call a custom resource makes on create (or update), with references rendered. */
function sdkCallOf(resource: Resource, lifecycle: 'Create' | 'Update'): Json {
  return JSON.parse(render(resource.Properties[lifecycle])) as Json;
}

describe('Construct: CredentialSet', () => {
  describe('token at deploy (deployRefresh)', () => {
    it.each(['sandbox', 'shared'])(
      'invokes the refresher asynchronously for %s on create and on update',
      (name) => {
        // THEN
        const stack = synthesized.ops;
        const resource = deployRefreshOf(stack, ops, name);
        expect(resource.Type).toBe('Custom::TokenBrokerDeployRefresh');
        const call = {
          service: 'Lambda',
          action: 'Invoke',
          parameters: {
            FunctionName: `<${stack.logicalId(ops.refresher)}>`,
            // Event: the deploy never waits for (nor fails with) the refresh itself
            InvocationType: 'Event',
            Payload: JSON.stringify({ credential: name, reason: 'deploy' }),
          },
          physicalResourceId: { id: `token-broker-deploy-refresh-${name}` },
        };
        expect(sdkCallOf(resource, 'Create')).toEqual(call);
        expect(sdkCallOf(resource, 'Update')).toEqual(call);
        expect(resource.Properties.Delete).toBeUndefined();
        expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
        expect(resource.Properties.ServiceToken).toEqual({
          'Fn::GetAtt': [stack.logicalId(opsStack.node.findChild(PROVIDER_ID)), 'Arn'],
        });
      },
    );

    it('runs after the async invoke config, so a failed deploy-time refresh reaches the failure queue', () => {
      // THEN
      const stack = synthesized.ops;
      const asyncConfig = stack.logicalId(ops.refresher.node.findChild('EventInvokeConfig'));
      expect(deployRefreshOf(stack, ops, 'sandbox').DependsOn).toContain(asyncConfig);
    });

    it('runs again whenever the refresher code or configuration changes, and only then', () => {
      // THEN
      const fingerprint = (stack: Synthesized, broker: TokenBroker) =>
        deployRefreshOf(stack, broker, 'default').Properties[REFRESHER_FINGERPRINT_PROPERTY];
      const [twinA, twinB, changed] = twins as [TokenBroker, TokenBroker, TokenBroker];
      expect(fingerprint(synthesized.twinA, twinA)).toMatch(/^[0-9a-f]{64}$/);
      expect(fingerprint(synthesized.twinB, twinB)).toBe(fingerprint(synthesized.twinA, twinA));
      expect(fingerprint(synthesized.changed, changed)).not.toBe(fingerprint(synthesized.twinA, twinA));
    });

    it('gives the provider its own role: invoke the refresher and write its own log group, nothing else', () => {
      // THEN
      const stack = synthesized.ops;
      const role = ops.deployRefreshRole;
      const logGroup = ops.deployRefreshLogGroup;
      const roleResource = stack.resource(role);
      // No AWSLambdaBasicExecutionRole: its logs:* apply to every log group of the account
      expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = statementsOfRole(stack, stack.logicalId(role));
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: arnOf(stack, logGroup),
          },
        ]),
      );
      const others = statements.filter((statement) => !String(statement.Action).startsWith('logs:'));
      // One statement for every set (a policy per set's custom resource would add up, on
      // this one role, past IAM's 10,240 inline characters at 50 sets)
      expect(others).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(stack, ops.refresher) },
      ]);
      expect(stack.resource(opsStack.node.findChild(PROVIDER_ID)).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Role: arnOf(stack, role),
        LoggingConfig: { LogGroup: { Ref: stack.logicalId(logGroup) } },
      });
    });
  });
});
