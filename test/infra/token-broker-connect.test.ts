import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_BROKER_ENV } from '../../contract/index.js';
import { TokenBroker } from '../../lib/token-broker.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-token-broker-connect');

/** No code runs here: skip bundling, and the template validation nag.test.ts keeps on. */
const app = new App({
  outdir: OUTDIR,
  context: { 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false,
});

function consumerFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({});'),
  });
}

// GIVEN a broker with one credential set and a Lambda consumer connected without options
const oneStack = new Stack(app, 'OneCredential');
const oneBroker = new TokenBroker(oneStack, 'Broker', { credentials: [{ name: 'sandbox' }] });
const lambdaConsumer = consumerFunction(oneStack, 'Payments');
const lambdaGrant = oneBroker.connectLambda(lambdaConsumer);

// GIVEN a broker with two sets and an ECS container connected to production
const twoStack = new Stack(app, 'TwoCredentials');
const twoBroker = new TokenBroker(twoStack, 'Broker', {
  credentials: [{ name: 'sandbox' }, { name: 'production' }],
});
const taskDefinition = new ecs.FargateTaskDefinition(twoStack, 'Task');
const container = taskDefinition.addContainer('App', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
});
const containerGrant = twoBroker.connectContainer(container, { credential: 'production' });

let one: Template;
let two: Template;

beforeAll(() => {
  // WHEN the app is synthesized once
  const assembly = app.synth();
  one = Template.fromJSON(assembly.getStackByName(oneStack.stackName).template);
  two = Template.fromJSON(assembly.getStackByName(twoStack.stackName).template);
});

const logicalId = (stack: Stack, construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

describe('Construct: TokenBroker', () => {
  describe('Method: connectLambda', () => {
    it("sets TOKEN_BROKER_FUNCTION to the only set's reader ARN and TOKEN_BROKER_CREDENTIAL to that set", () => {
      // THEN
      one.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Environment: {
          Variables: {
            [TOKEN_BROKER_ENV.functionName]: {
              'Fn::GetAtt': [logicalId(oneStack, oneBroker.credentialSet('sandbox').reader), 'Arn'],
            },
            [TOKEN_BROKER_ENV.credential]: 'sandbox',
          },
        },
      });
    });

    it("grants invoke on the set's reader (both actions, its ARN only) to the function's role", () => {
      // THEN
      expect(lambdaGrant.success).toBe(true);
      one.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(oneStack, lambdaConsumer.role as iam.IRole) }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
              Resource: {
                'Fn::GetAtt': [logicalId(oneStack, oneBroker.credentialSet('sandbox').reader), 'Arn'],
              },
            },
          ],
        },
      });
    });
  });

  describe('Method: connectContainer', () => {
    it("sets TOKEN_BROKER_URL to the chosen set's reader URL and TOKEN_BROKER_CREDENTIAL to that set", () => {
      // THEN: one URL per set; the container gets production's
      expect(Object.keys(two.findResources('AWS::Lambda::Url'))).toHaveLength(2);
      const urlId = logicalId(twoStack, twoBroker.credentialSet('production').readerUrl);
      two.hasResourceProperties('AWS::ECS::TaskDefinition', {
        ContainerDefinitions: [
          Match.objectLike({
            Environment: Match.arrayWith([
              { Name: TOKEN_BROKER_ENV.url, Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } },
              { Name: TOKEN_BROKER_ENV.credential, Value: 'production' },
            ]),
          }),
        ],
      });
    });

    it("grants invoke on the chosen set's reader to the task role", () => {
      // THEN
      expect(containerGrant.success).toBe(true);
      two.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(twoStack, taskDefinition.taskRole) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
              Resource: {
                'Fn::GetAtt': [logicalId(twoStack, twoBroker.credentialSet('production').reader), 'Arn'],
              },
            }),
          ]),
        },
      });
    });
  });

  describe('Validation', () => {
    // A separate, never synthesized app: the shared one is already synthesized.
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Validation');
    const broker = new TokenBroker(stack, 'Broker', {
      credentials: [{ name: 'sandbox' }, { name: 'production' }],
    });

    it('throws when the broker serves several sets and no credential is chosen, naming them', () => {
      // GIVEN
      const fn = consumerFunction(stack, 'Unchosen');

      // WHEN / THEN
      expect(() => broker.connectLambda(fn)).toThrow(
        "Validation/Broker: connectLambda needs options.credential: this broker serves 'sandbox', 'production'",
      );
    });

    it('throws for a container when the broker serves several sets and none is chosen', () => {
      // GIVEN
      const task = new ecs.FargateTaskDefinition(stack, 'UnchosenTask');
      const app = task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('node:22-slim') });

      // WHEN / THEN
      expect(() => broker.connectContainer(app)).toThrow(
        "Validation/Broker: connectContainer needs options.credential: this broker serves 'sandbox', 'production'",
      );
    });

    it('throws for a credential the broker does not serve, showing it', () => {
      const fn = consumerFunction(stack, 'Unknown');
      expect(() => broker.connectLambda(fn, { credential: 'staging' })).toThrow(
        "Validation/Broker: connectLambda credential 'staging' is not served by this broker: it serves 'sandbox', 'production'",
      );
    });
  });
});
