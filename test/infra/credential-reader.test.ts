/**
 * Per-set access (docs/design.md, Decisions: one reader function per credential set): each
 * set's reader serves that set only, with its own role, log group and Function URL, and
 * every grant, organization permission and consumer wiring names one set's reader. The
 * tests prove the negative: what is granted for one set never reaches the other.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_BROKER_ENV } from '../../contract/index.js';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerConfigError } from '../../lib/validation.js';
import { type Statement, type Synthesized, statementsOfRole, synthesize, testApp } from './template.js';

const ORG = 'o-abcde12345';
const { app, outdir } = testApp('infra-credential-reader');

// GIVEN a broker with two sets whose organization may read sandbox only
const stack = new Stack(app, 'PerSet');
const broker = new TokenBroker(stack, 'Broker', {
  credentials: [{ name: 'sandbox' }, { name: 'production' }],
  allowedOrganizationId: ORG,
  allowedOrganizationSets: ['sandbox'],
});
// AND a consumer role of this account granted sandbox
const sandboxConsumer = new iam.Role(stack, 'SandboxConsumer', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
});
broker.grantRead(sandboxConsumer, 'sandbox');
// AND another account granted production
broker.grantRead(new iam.AccountPrincipal('111122223333'), 'production');
// AND a Lambda consumer wired to sandbox, an ECS container wired to production
const payments = new lambda.Function(stack, 'Payments', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('export const handler = async () => ({});'),
});
broker.connectLambda(payments, { credential: 'sandbox' });
const task = new ecs.FargateTaskDefinition(stack, 'Task');
const container = task.addContainer('App', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
});
broker.connectContainer(container, { credential: 'production' });

// GIVEN a broker whose whole organization may read every set (no allowedOrganizationSets)
const allStack = new Stack(app, 'AllSets');
const allSets = new TokenBroker(allStack, 'Broker', {
  credentials: [{ name: 'sandbox' }, { name: 'production' }],
  allowedOrganizationId: ORG,
});

let perSet: Synthesized;
let all: Synthesized;

beforeAll(() => {
  // WHEN the app is synthesized once
  ({ perSet, all } = synthesize(app, outdir, { perSet: stack, all: allStack }));
});

const NAMES = ['sandbox', 'production'] as const;
const other = (name: (typeof NAMES)[number]) => (name === 'sandbox' ? 'production' : 'sandbox');
const readerOf = (name: string) => broker.credentialSet(name).reader;
const readerArn = (name: string) => ({ 'Fn::GetAtt': [perSet.logicalId(readerOf(name)), 'Arn'] });
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const readerStatements = (name: string) =>
  statementsOfRole(perSet, perSet.logicalId(readerOf(name).role as iam.IRole));
const permissionsOn = (synthesized: Synthesized, fnArn: unknown) =>
  Object.values(synthesized.json.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Permission')
    .filter((resource) => JSON.stringify(resource.Properties.FunctionName) === JSON.stringify(fnArn))
    .map((resource) => resource.Properties);

describe('Construct: CredentialSet', () => {
  describe('reader', () => {
    it('creates one reader per set, serving that set only, with its own role, log group and IAM URL', () => {
      // THEN: refresher, one reader per set, the deploy-time custom resource provider
      const { template, json, logicalId } = perSet;
      template.resourceCountIs('AWS::Lambda::Function', 2 + NAMES.length + 1);
      template.resourceCountIs('AWS::Lambda::Url', NAMES.length);
      const roles = new Set<string>();
      const logGroups = new Set<string>();
      for (const name of NAMES) {
        const set = broker.credentialSet(name);
        const props = perSet.resource(set.reader).Properties;
        expect(set.reader.node.path).toBe(`PerSet/Broker/CredentialSets/${name}/Reader`);
        expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
          CREDENTIAL_NAMES: name,
          REFRESHER_FUNCTION_NAME: { Ref: logicalId(broker.refresher) },
        });
        expect(props).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 10, Architectures: ['arm64'] });
        roles.add(JSON.stringify(props.Role));
        logGroups.add(JSON.stringify(props.LoggingConfig));
        expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(set.readerLogGroup) } });
        template.hasResourceProperties('AWS::Lambda::Url', {
          AuthType: 'AWS_IAM',
          TargetFunctionArn: readerArn(name),
        });
        expect(json.Resources[logicalId(set.readerUrl)]?.Properties.TargetFunctionArn).toEqual(
          readerArn(name),
        );
      }
      expect(roles.size).toBe(NAMES.length);
      expect(logGroups.size).toBe(NAMES.length);
    });

    it.each(NAMES)(
      "lets the %s reader get only its set's two items, update only its state item's claim attribute, and nothing of the other set",
      (name) => {
        // THEN
        const statements = readerStatements(name);
        const dynamo = statements.filter((statement) =>
          actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
        );
        const table = { 'Fn::GetAtt': [perSet.logicalId(broker.table), 'Arn'] };
        expect(dynamo).toEqual([
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: table,
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [name, `${name}#state`] } },
          },
          {
            Effect: 'Allow',
            Action: 'dynamodb:UpdateItem',
            Resource: table,
            Condition: {
              'ForAllValues:StringEquals': {
                'dynamodb:LeadingKeys': [`${name}#state`],
                // The claim's one attribute, plus the key (IAM wants the key attributes listed).
                'dynamodb:Attributes': ['credential', 'refreshRequestedAt'],
              },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
            },
          },
        ]);
        expect(JSON.stringify(dynamo)).not.toContain(`"${other(name)}`);
      },
    );

    it.each(NAMES)(
      'lets the %s reader invoke the refresher (self-healing) and never touch a secret',
      (name) => {
        // THEN
        const statements = readerStatements(name);
        expect(
          statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('lambda:'))),
        ).toEqual([
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: { 'Fn::GetAtt': [perSet.logicalId(broker.refresher), 'Arn'] },
          },
        ]);
        const actions = statements.flatMap(actionsOf);
        expect(actions.filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);
        expect(actions.filter((action) => action.includes('*'))).toEqual([]);
      },
    );
  });

  describe('grants', () => {
    it("grantRead(role, 'sandbox') allows the sandbox reader both ways and nothing of the production reader", () => {
      // THEN
      const statements = statementsOfRole(perSet, perSet.logicalId(sandboxConsumer));
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
          Resource: readerArn('sandbox'),
        },
      ]);
      expect(statements.flatMap(resourcesOf)).not.toContainEqual(readerArn('production'));
      expect(JSON.stringify(statements)).not.toContain(perSet.logicalId(readerOf('production')));
    });

    it("grantRead to another account adds resource-policy permissions on production's reader only", () => {
      // THEN
      const { template } = perSet;
      const permissions = Object.values(
        template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '111122223333' } }),
      ).map((resource) => resource.Properties);
      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) expect(permission.FunctionName).toEqual(readerArn('production'));
      expect(permissionsOn(perSet, readerArn('sandbox')).map((p) => p.Principal)).not.toContain(
        '111122223333',
      );
    });

    it('grants nothing of one set through CredentialSet.grantRead of another', () => {
      // GIVEN
      const scratch = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Scratch');
      const two = new TokenBroker(scratch, 'Broker', {
        credentials: [{ name: 'sandbox' }, { name: 'production' }],
      });
      const role = new iam.Role(scratch, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      const grant = two.credentialSet('production').grantRead(role);

      // THEN
      expect(grant.success).toBe(true);
      expect(scratch.resolve(grant.principalStatements.flatMap((s) => s.resources))).toEqual([
        {
          'Fn::GetAtt': [
            scratch.getLogicalId(
              two.credentialSet('production').reader.node.defaultChild as lambda.CfnFunction,
            ),
            'Arn',
          ],
        },
      ]);
    });

    it('grantRead without a credential needs one when the broker serves several sets, naming the construct path', () => {
      // WHEN / THEN
      expect(() => broker.grantRead(new iam.AccountRootPrincipal())).toThrow(
        "PerSet/Broker: grantRead needs a credential: this broker serves 'sandbox', 'production', and a grant covers one set",
      );
      expect(() => broker.grantRead(new iam.AccountRootPrincipal(), 'staging')).toThrow(
        "PerSet/Broker: grantRead credential 'staging' is not served by this broker: it serves 'sandbox', 'production'",
      );
    });
  });

  describe('organization access', () => {
    it('puts the organization permissions on the named sets only', () => {
      // THEN
      const orgPermissions = (synthesized: Synthesized, fnArn: unknown) =>
        permissionsOn(synthesized, fnArn).filter((permission) => permission.PrincipalOrgID === ORG);
      expect(
        orgPermissions(perSet, readerArn('sandbox'))
          .map((p) => p.Action)
          .sort(),
      ).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
      expect(orgPermissions(perSet, readerArn('production'))).toEqual([]);
      const orgWide = Object.values(perSet.json.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Permission' && resource.Properties.PrincipalOrgID === ORG,
      );
      expect(orgWide).toHaveLength(2);
    });

    it('puts them on every set by default', () => {
      // THEN
      for (const name of NAMES) {
        const fnArn = { 'Fn::GetAtt': [all.logicalId(allSets.credentialSet(name).reader), 'Arn'] };
        const permissions = permissionsOn(all, fnArn).filter((p) => p.PrincipalOrgID === ORG);
        expect(permissions.map((p) => [p.Action, p.Principal]).sort()).toEqual([
          ['lambda:InvokeFunction', '*'],
          ['lambda:InvokeFunctionUrl', '*'],
        ]);
      }
    });

    it.each<[string, Record<string, unknown>, string]>([
      [
        'a set that is not configured',
        { allowedOrganizationId: ORG, allowedOrganizationSets: ['sandbox', 'staging'] },
        "allowedOrganizationSets[1]: 'staging' is not a credential set of this broker (it serves 'sandbox', 'production')",
      ],
      [
        'no organization',
        { allowedOrganizationSets: ['sandbox'] },
        'allowedOrganizationSets: ["sandbox"] needs allowedOrganizationId',
      ],
      [
        'an empty list',
        { allowedOrganizationId: ORG, allowedOrganizationSets: [] },
        'allowedOrganizationSets: [] must list at least one credential set (leave it out for every set)',
      ],
      [
        'a repeated set',
        { allowedOrganizationId: ORG, allowedOrganizationSets: ['sandbox', 'sandbox'] },
        "allowedOrganizationSets[1]: 'sandbox' duplicates allowedOrganizationSets[0]",
      ],
    ])('refuses allowedOrganizationSets with %s, naming the construct path', (_label, props, message) => {
      // WHEN
      const create = () =>
        new TokenBroker(new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Org'), 'Broker', {
          credentials: [{ name: 'sandbox' }, { name: 'production' }],
          ...props,
        });

      // THEN
      expect(create).toThrow(TokenBrokerConfigError);
      expect(create).toThrow(`Org/Broker: ${message}`);
    });
  });

  describe('consumer wiring', () => {
    it("points a Lambda consumer at its set's reader ARN", () => {
      // THEN
      const variables = (
        perSet.resource(payments).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(variables).toEqual({
        [TOKEN_BROKER_ENV.functionName]: readerArn('sandbox'),
        [TOKEN_BROKER_ENV.credential]: 'sandbox',
      });
    });

    it("points a container at its set's reader URL and grants its task role that reader only", () => {
      // THEN
      const definition = perSet.resource(task).Properties.ContainerDefinitions as {
        Environment: { Name: string; Value: unknown }[];
      }[];
      const urlId = perSet.logicalId(broker.credentialSet('production').readerUrl);
      expect(definition[0]?.Environment).toEqual(
        expect.arrayContaining([
          { Name: TOKEN_BROKER_ENV.url, Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } },
          { Name: TOKEN_BROKER_ENV.credential, Value: 'production' },
        ]),
      );
      const statements = statementsOfRole(perSet, perSet.logicalId(task.taskRole));
      const invoke = statements.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
      expect(invoke.flatMap(resourcesOf)).toEqual([readerArn('production')]);
    });
  });
});
