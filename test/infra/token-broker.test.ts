import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A55_TOKEN_URL, METRICS_NAMESPACE, REFRESHER_CONFIG_FILE, SERVICE } from '../../contract/index.js';
import { loadBrokerConfig } from '../../lib/config.js';
import { TokenBroker } from '../../lib/token-broker.js';
import type { TokenBrokerProps } from '../../lib/token-broker-props.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import {
  defaultRefresherConcurrency,
  MAX_CREDENTIAL_NAME_CHARACTERS,
  MAX_CREDENTIAL_SETS,
  TokenBrokerConfigError,
} from '../../lib/validation.js';

const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';
const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-token-broker');

type Json = Record<string, unknown>;
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

/** One synthesized stack: its template, and the logical id of any of its constructs. */
interface Synthesized {
  readonly template: Template;
  readonly json: { Resources: Record<string, { Type: string; Properties: Json }> } & Json;
  logicalId(construct: IConstruct): string;
}

/**
 * Every stack of the file lives in one app, synthesized once. Bundling is skipped (no code
 * runs here) and so is the built-in template validation (~3 s; nag.test.ts keeps it on).
 */
// Emptied before the app exists: assets are staged into it as their constructs are made.
rmSync(OUTDIR, { recursive: true, force: true });
mkdirSync(OUTDIR, { recursive: true });
const app = new App({
  outdir: OUTDIR,
  context: { 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false,
});

// GIVEN a broker with every default and a consumer role that calls grantRead
const defaultsStack = new Stack(app, 'Defaults');
const defaults = new TokenBroker(defaultsStack, 'Broker', { credentials: [{ name: 'default' }] });
const consumer = new iam.Role(defaultsStack, 'Consumer', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
});
defaults.grantRead(consumer);
// AND one that names the credential set it reads
const namedConsumer = new iam.Role(defaultsStack, 'NamedConsumer', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
});
defaults.grantRead(namedConsumer, 'default');

// GIVEN the two-credential configuration of the issue, through the stack and loadBrokerConfig
const twoStack = new TokenBrokerStack(app, 'TwoCredentials', {
  config: loadBrokerConfig(
    JSON.stringify({ credentials: [{ name: 'sandbox', tokenUrl: SANDBOX_URL }, { name: 'production' }] }),
  ),
});

// GIVEN a broker on imported secrets and with every optional prop set
const customStack = new Stack(app, 'Custom');
const external = new secretsmanager.Secret(customStack, 'External');
const custom = new TokenBroker(customStack, 'Broker', {
  credentials: [
    { name: 'by-name', secretName: 'a55/by-name', scope: 'a55/read', clientAuth: 'client_secret_basic' },
    { name: 'by-object', secret: external },
  ],
  refreshInterval: Duration.minutes(30),
  readerCacheSeconds: 0,
  logRetention: logs.RetentionDays.ONE_WEEK,
  allowedOrganizationId: 'o-abcde12345',
  removalPolicy: RemovalPolicy.RETAIN,
  refresherReservedConcurrency: 0,
});

// GIVEN a broker with a refresher concurrency of its own choosing
const reservedStack = new Stack(app, 'Reserved');
const reserved = new TokenBroker(reservedStack, 'Broker', {
  credentials: [{ name: 'sandbox' }],
  refresherReservedConcurrency: 5,
});
// AND a principal of another account granted one set, which needs that reader's resource policy
custom.grantRead(new iam.AccountPrincipal('111122223333'), 'by-object');

/** The reader of each broker's set. */
const defaultsReader = defaults.credentialSet('default').reader;
const readersOf = (broker: TokenBroker) => broker.credentialSets.map((set) => set.reader);

let synthesized: Record<'defaults' | 'two' | 'custom' | 'reserved', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  const assembly = app.synth();
  const load = (stack: Stack): Synthesized => {
    const json = assembly.getStackByName(stack.stackName).template;
    return {
      template: Template.fromJSON(json),
      json,
      logicalId: (construct) => {
        const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
        return stack.resolve((element as CfnElement).logicalId) as string;
      },
    };
  };
  synthesized = {
    defaults: load(defaultsStack),
    two: load(twoStack),
    custom: load(customStack),
    reserved: load(reservedStack),
  };
});

/** All Allow statements attached to `role` (inline and default policies), failing on managed policies. */
function statementsOf(stack: Synthesized, role: iam.IRole): Statement[] {
  const roleId = stack.logicalId(role);
  const roleResource = stack.json.Resources[roleId];
  expect(roleResource?.Type, `role ${roleId}`).toBe('AWS::IAM::Role');
  expect(roleResource?.Properties.ManagedPolicyArns, 'managed policies on the role').toBeUndefined();
  const inline =
    (roleResource?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? [];
  const attached = Object.values(stack.json.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles).includes(JSON.stringify({ Ref: roleId })))
    .map((resource) => resource.Properties.PolicyDocument as { Statement: Statement[] });
  return [...inline.map((policy) => policy.PolicyDocument), ...attached].flatMap(
    (document) => document.Statement,
  );
}

const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );

const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Statements that allow `prefix`-something, e.g. `secretsmanager:`. */
const statementsFor = (statements: Statement[], prefix: string): Statement[] =>
  statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith(prefix)));

/** `{Fn::Join: ['', [...]]}` with Refs rendered as `<LogicalId>`, for JSON built from tokens. */
function renderJoin(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(renderJoin).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `<${ref}>`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

function environmentOf(stack: Synthesized, fn: IConstruct): Record<string, unknown> {
  const resource = stack.json.Resources[stack.logicalId(fn)];
  if (!resource) throw new Error(`no resource for ${fn.node.path}`);
  return (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The refresher's `refresher-config.json`, read from its code asset in the assembly (`asset.<hash>`). */
function refresherConfigOf(stack: Synthesized, broker: TokenBroker): Json[] {
  const code = stack.json.Resources[stack.logicalId(broker.refresher)]?.Properties.Code as { S3Key: string };
  const dir = join(OUTDIR, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  return (JSON.parse(readFileSync(join(dir, REFRESHER_CONFIG_FILE), 'utf8')) as { credentials: Json[] })
    .credentials;
}

/** The deploy-time fields the parameter of `name` holds, Refs rendered as `<LogicalId>`. */
function parameterOf(stack: Synthesized, broker: TokenBroker, name: string): { name: unknown; value: Json } {
  const parameter = broker.node.findChild('RefresherConfig').node.findChild(name);
  const properties = stack.json.Resources[stack.logicalId(parameter)]?.Properties as Json;
  return { name: renderJoin(properties.Name), value: JSON.parse(renderJoin(properties.Value)) };
}

describe('Construct: TokenBroker', () => {
  describe('with default props', () => {
    it('runs both functions on Node.js 24 and arm64 with 256 MB', () => {
      // THEN: the third function is the deploy-time custom resource provider (operations.test.ts)
      const { template, json, logicalId } = synthesized.defaults;
      template.resourceCountIs('AWS::Lambda::Function', 3);
      for (const fn of [defaults.refresher, defaultsReader]) {
        expect(json.Resources[logicalId(fn)]?.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          MemorySize: 256,
          Handler: 'index.handler',
        });
      }
    });

    it('gives the refresher 60 s (room for retries) and the reader 10 s', () => {
      // THEN
      const { json, logicalId } = synthesized.defaults;
      expect(json.Resources[logicalId(defaults.refresher)]?.Properties.Timeout).toBe(60);
      expect(json.Resources[logicalId(defaultsReader)]?.Properties.Timeout).toBe(10);
    });

    it("exposes the set's reader through a Function URL with AuthType AWS_IAM only", () => {
      // THEN
      const { template, logicalId } = synthesized.defaults;
      template.resourceCountIs('AWS::Lambda::Url', 1);
      template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'AWS_IAM',
        TargetFunctionArn: { 'Fn::GetAtt': [logicalId(defaultsReader), 'Arn'] },
      });
    });

    it('encrypts the table with a rotated customer-managed key, on demand, with TTL on `ttl`', () => {
      // THEN
      const { template, logicalId } = synthesized.defaults;
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'credential', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'credential', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: {
            SSEEnabled: true,
            SSEType: 'KMS',
            KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(defaults.tableKey), 'Arn'] },
          },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        },
        // A rebuildable cache: destroyed with the stack, key included.
        DeletionPolicy: 'Delete',
      });
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    });

    it('keeps each function log in its own group for one month', () => {
      // THEN: the custom resource provider's group included
      const { template, logicalId } = synthesized.defaults;
      template.resourceCountIs('AWS::Logs::LogGroup', 3);
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      for (const fn of [defaults.refresher, defaultsReader]) {
        const props = synthesized.defaults.json.Resources[logicalId(fn)]?.Properties;
        expect(props?.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/LogGroup/) } });
      }
      template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    });

    it('gives the refresher its sets in its asset, not its environment, and the created secret by parameter', () => {
      // THEN: the file holds what is known at synth; the created secret's ARN is in its parameter
      const { logicalId } = synthesized.defaults;
      expect(refresherConfigOf(synthesized.defaults, defaults)).toEqual([
        {
          name: 'default',
          clientAuth: 'client_secret_post',
          tokenUrl: A55_TOKEN_URL,
          parameter: expect.stringMatching(/^[0-9a-f]{16}$/),
          // The parameter may supply this field only: the token URL above is not its to replace.
          parameterFields: ['secretId'],
        },
      ]);
      // The stack's name as AWS::StackName (twin stacks synthesize alike), the broker's path in it
      const parameter = parameterOf(synthesized.defaults, defaults, 'default');
      const path = String(parameter.name).replace(/\/default$/, '');
      expect(path).toMatch(/^\/a55-token-broker\/<AWS::StackName>\/Broker-[0-9a-f]{8}$/);
      expect(parameter).toEqual({
        name: `${path}/default`,
        value: {
          secretId: `<${logicalId(defaults.credentialSet('default').secret as secretsmanager.Secret)}>`,
        },
      });
      const environment = environmentOf(synthesized.defaults, defaults.refresher);
      expect(environment).not.toHaveProperty('CREDENTIALS');
      expect(renderJoin(environment.SECRET_ID_PARAMETER_PATH)).toBe(path);
      expect(environment).toMatchObject({
        TABLE_NAME: { Ref: logicalId(defaults.table) },
        // The default 50 minutes: a token that will not outlive the next run is counted
        REFRESH_INTERVAL_SECONDS: '3000',
        // The broker dimension of its metrics: the stack's name by default
        BROKER_NAME: 'Defaults',
        POWERTOOLS_SERVICE_NAME: 'token-broker-refresher',
        POWERTOOLS_METRICS_NAMESPACE: 'TokenBroker',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      // Nothing of the set: its name is not in any variable
      expect(Object.values(environment)).not.toContain('default');
    });

    it('lets the refresher read its parameters by their path, and depends on them', () => {
      // THEN: GetParametersByPath is authorized against the path itself
      const { json, logicalId } = synthesized.defaults;
      const statements = statementsFor(
        statementsOf(synthesized.defaults, defaults.refresher.role as iam.IRole),
        'ssm:',
      );
      const path = renderJoin(
        environmentOf(synthesized.defaults, defaults.refresher).SECRET_ID_PARAMETER_PATH,
      );
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: expect.anything() },
      ]);
      expect(renderJoin(statements[0]?.Resource)).toBe(
        `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${path}`,
      );
      const parameter = defaults.node.findChild('RefresherConfig').node.findChild('default');
      const refresher = json.Resources[logicalId(defaults.refresher)] as unknown as { DependsOn: string[] };
      expect(refresher.DependsOn).toContain(logicalId(parameter));
    });

    it('gives the reader its environment', () => {
      // THEN
      const { logicalId } = synthesized.defaults;
      expect(environmentOf(synthesized.defaults, defaultsReader)).toEqual({
        TABLE_NAME: { Ref: logicalId(defaults.table) },
        CREDENTIAL_NAMES: 'default',
        READ_CACHE_SECONDS: '30',
        REFRESHER_FUNCTION_NAME: { Ref: logicalId(defaults.refresher) },
        BROKER_NAME: 'Defaults',
        POWERTOOLS_SERVICE_NAME: 'token-broker-reader',
        POWERTOOLS_METRICS_NAMESPACE: 'TokenBroker',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    });
  });

  describe('public parts', () => {
    it('exposes the resources it documents', () => {
      // THEN
      expect(defaults.credentialNames).toEqual(['default']);
      expect(defaults.credentialSets.map((set) => set.name)).toEqual(['default']);
      expect(defaults.credentialSets.map((set) => set.node.path)).toEqual([
        'Defaults/Broker/CredentialSets/default',
      ]);
      expect(defaults.credentialSet('default').schedule).toBeDefined();
      expect(defaults.credentialSet('default').readerUrl.url).toBeDefined();
    });

    it('finds each credential set by name, in configuration order', () => {
      // THEN
      const broker = twoStack.broker;
      expect(broker.credentialSets.map((set) => set.name)).toEqual(['sandbox', 'production']);
      expect(broker.credentialSet('production')).toBe(broker.credentialSets[1]);
    });

    it('throws for an unknown credential set, naming the construct path and the sets it serves', () => {
      // WHEN / THEN
      expect(() => twoStack.broker.credentialSet('staging')).toThrow(
        "TwoCredentials/TokenBroker: credentialSet credential 'staging' is not served by this broker: " +
          "it serves 'sandbox', 'production'",
      );
    });

    it('names both functions and their metrics namespace after contract/telemetry.ts', () => {
      // THEN
      expect(environmentOf(synthesized.two, twoStack.broker.refresher)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE.refresher,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      });
      for (const reader of readersOf(twoStack.broker)) {
        expect(environmentOf(synthesized.two, reader)).toMatchObject({
          POWERTOOLS_SERVICE_NAME: SERVICE.reader,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          REFRESHER_FUNCTION_NAME: { Ref: synthesized.two.logicalId(twoStack.broker.refresher) },
        });
      }
    });
  });

  describe('least privilege', () => {
    it("lets the reader get its set's items, update its state item, decrypt through DynamoDB and invoke the refresher, nothing else", () => {
      // THEN
      const { logicalId } = synthesized.defaults;
      const table = { 'Fn::GetAtt': [logicalId(defaults.table), 'Arn'] };
      const statements = statementsOf(synthesized.defaults, defaultsReader.role as iam.IRole);
      expect(actionsOf(statements).sort()).toEqual(
        [
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
          'kms:Decrypt',
          'kms:DescribeKey',
          'lambda:InvokeFunction',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ].sort(),
      );
      expect(statementsFor(statements, 'dynamodb:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: table,
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['default', 'default#state'] },
          },
        },
        // Self-healing bookkeeping: its `<name>#state` item only, never a token item
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: table,
          Condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': ['default#state'],
              'dynamodb:Attributes': ['credential', 'refreshRequestedAt'],
            },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
          },
        },
      ]);
      expect(statementsFor(statements, 'kms:')).toEqual([
        expect.objectContaining({
          Resource: { 'Fn::GetAtt': [logicalId(defaults.tableKey), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
        }),
      ]);
      // The unqualified refresher ARN: no `:*` (every version and alias)
      expect(statementsFor(statements, 'lambda:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [logicalId(defaults.refresher), 'Arn'] },
        },
      ]);
    });

    it('never lets the reader touch Secrets Manager, in any configuration', () => {
      // THEN
      const cases: [Synthesized, TokenBroker][] = [
        [synthesized.defaults, defaults],
        [synthesized.two, twoStack.broker],
        [synthesized.custom, custom],
      ];
      for (const [stack, broker] of cases) {
        for (const reader of readersOf(broker)) {
          const actions = actionsOf(statementsOf(stack, reader.role as iam.IRole));
          expect(actions.filter((action) => action.toLowerCase().startsWith('secretsmanager:'))).toEqual([]);
          expect(actions.filter((action) => action.includes('*'))).toEqual([]);
        }
      }
    });

    it("lets the refresher read only its own secrets and write only its sets' items", () => {
      // THEN
      const { logicalId } = synthesized.two;
      const broker = twoStack.broker;
      const statements = statementsOf(synthesized.two, broker.refresher.role as iam.IRole);
      // GetSecretValue is the one call it makes: no DescribeSecret (one statement per grant policy)
      expect(actionsOf(statementsFor(statements, 'secretsmanager:'))).toEqual([
        'secretsmanager:GetSecretValue',
      ]);
      const secretRefs = ['sandbox', 'production'].map((name) => ({
        Ref: logicalId(broker.credentialSet(name).secret as secretsmanager.Secret),
      }));
      expect(statementsFor(statements, 'secretsmanager:').flatMap(resourcesOf)).toEqual(secretRefs);
      const table = { 'Fn::GetAtt': [logicalId(broker.table), 'Arn'] };
      const keys = (values: string[]) => ({
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': values },
      });
      expect(statementsFor(statements, 'dynamodb:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: table,
          Condition: keys(['sandbox', 'production', 'sandbox#state', 'production#state']),
        },
        // Tokens are only ever Put; its last error and success go to the `<name>#state` items
        {
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: table,
          Condition: keys(['sandbox', 'production']),
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: table,
          Condition: keys(['sandbox#state', 'production#state']),
        },
      ]);
      // The failure queue (on-failure destination): send, and the key only through SQS; the
      // retry queue (its retry chain): send, and what its event source mapping reads
      expect(statementsFor(statements, 'sqs:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [logicalId(broker.failureQueue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [logicalId(broker.retryQueue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: { 'Fn::GetAtt': [logicalId(broker.retryQueue), 'Arn'] },
        },
      ]);
      expect(
        statementsFor(statements, 'kms:').filter((statement) =>
          JSON.stringify(statement.Resource).includes(logicalId(broker.failureQueueKey)),
        ),
      ).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: { 'Fn::GetAtt': [logicalId(broker.failureQueueKey), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
        },
      ]);
      expect(actionsOf(statements).sort()).toEqual(
        [
          ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          ...['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          ...['kms:Decrypt', 'kms:GenerateDataKey'],
          ...['logs:CreateLogStream', 'logs:PutLogEvents'],
          'sqs:SendMessage',
          // The retry queue: send the next retry, and what the event source mapping reads
          ...['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          // Its sets' deploy-time fields (the created secrets' ARNs), by their path
          'ssm:GetParametersByPath',
          ...actionsOf(statementsFor(statements, 'secretsmanager:')),
        ].sort(),
      );
      expect(statements.flatMap(resourcesOf)).not.toContain('*');
    });

    it("grantRead gives exactly lambda:InvokeFunction and lambda:InvokeFunctionUrl on the only set's reader", () => {
      // THEN
      const { logicalId } = synthesized.defaults;
      expect(statementsOf(synthesized.defaults, consumer)).toEqual([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
          Resource: { 'Fn::GetAtt': [logicalId(defaultsReader), 'Arn'] },
        },
      ]);
    });

    it("grantRead with a credential checks the name and grants the same, on that set's reader", () => {
      // THEN
      const { logicalId } = synthesized.defaults;
      expect(statementsOf(synthesized.defaults, namedConsumer)).toEqual([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
          Resource: { 'Fn::GetAtt': [logicalId(defaultsReader), 'Arn'] },
        },
      ]);
      expect(() => defaults.grantRead(new iam.AccountRootPrincipal(), 'staging')).toThrow(
        "Defaults/Broker: grantRead credential 'staging' is not served by this broker: it serves 'default'",
      );
    });

    it('adds no resource policy to a reader without allowedOrganizationId', () => {
      // THEN (the refresher's permission for its rotation rule is in operations.test.ts)
      const { template, logicalId } = synthesized.defaults;
      const reader = { 'Fn::GetAtt': [logicalId(defaultsReader), 'Arn'] };
      const readerPermissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
        (resource) => JSON.stringify(resource.Properties.FunctionName) === JSON.stringify(reader),
      );
      expect(readerPermissions).toEqual([]);
    });
  });

  describe('with two credential sets', () => {
    it('creates two schedules, two secrets, one table and one reader per set', () => {
      // THEN
      const { template } = synthesized.two;
      template.resourceCountIs('AWS::Scheduler::Schedule', 2);
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.resourceCountIs('AWS::Lambda::Url', 2);
      // refresher, one reader per set and the deploy-time custom resource provider
      template.resourceCountIs('AWS::Lambda::Function', 4);
    });

    it("gives each set's reader its own name only, in configuration order", () => {
      // THEN
      expect(
        readersOf(twoStack.broker).map((reader) => environmentOf(synthesized.two, reader).CREDENTIAL_NAMES),
      ).toEqual(['sandbox', 'production']);
    });

    it('passes each token URL to the refresher, the A55 endpoint by default', () => {
      // THEN
      const credentials = refresherConfigOf(synthesized.two, twoStack.broker);
      expect(credentials.map((c: Json) => [c.name, c.tokenUrl])).toEqual([
        ['sandbox', SANDBOX_URL],
        ['production', A55_TOKEN_URL],
      ]);
    });
  });

  describe('with imported secrets and every optional prop', () => {
    it('passes the imported secret by name in its asset and the given one by ARN in its parameter', () => {
      // THEN
      const { logicalId } = synthesized.custom;
      expect(refresherConfigOf(synthesized.custom, custom)).toEqual([
        {
          name: 'by-name',
          tokenUrl: A55_TOKEN_URL,
          scope: 'a55/read',
          clientAuth: 'client_secret_basic',
          secretId: 'a55/by-name',
        },
        {
          name: 'by-object',
          tokenUrl: A55_TOKEN_URL,
          clientAuth: 'client_secret_post',
          parameter: expect.stringMatching(/^[0-9a-f]{16}$/),
          // The parameter may supply this field only: the token URL above is not its to replace.
          parameterFields: ['secretId'],
        },
      ]);
      expect(parameterOf(synthesized.custom, custom, 'by-object').value).toEqual({
        secretId: `<${logicalId(external)}>`,
      });
      // A set known entirely at synth has no parameter
      expect(custom.node.findChild('RefresherConfig').node.tryFindChild('by-name')).toBeUndefined();
    });

    it('applies the interval, cache seconds, log retention and removal policy', () => {
      // THEN
      const { template } = synthesized.custom;
      template.allResourcesProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(30 minutes)' });
      expect(environmentOf(synthesized.custom, custom.refresher).REFRESH_INTERVAL_SECONDS).toBe('1800');
      for (const reader of readersOf(custom)) {
        expect(environmentOf(synthesized.custom, reader).READ_CACHE_SECONDS).toBe('0');
      }
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    });

    it("lets the whole organization call every set's reader both ways", () => {
      // THEN
      const { template, logicalId } = synthesized.custom;
      expect(
        Object.keys(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } })),
      ).toHaveLength(2 * custom.credentialSets.length);
      for (const fn of readersOf(custom)) {
        const reader = { 'Fn::GetAtt': [logicalId(fn), 'Arn'] };
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction',
          FunctionName: reader,
          Principal: '*',
          PrincipalOrgID: 'o-abcde12345',
        });
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunctionUrl',
          FunctionName: reader,
          Principal: '*',
          PrincipalOrgID: 'o-abcde12345',
          FunctionUrlAuthType: 'AWS_IAM',
        });
      }
    });
  });

  describe('grantRead to another account', () => {
    it("allows both actions on the granted set's reader in its resource policy", () => {
      // THEN
      const { template, logicalId } = synthesized.custom;
      const reader = { 'Fn::GetAtt': [logicalId(custom.credentialSet('by-object').reader), 'Arn'] };
      const permissions = Object.values(
        template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '111122223333' } }),
      ).map((resource) => resource.Properties);
      expect(permissions.map((p) => p.Action).sort()).toEqual([
        'lambda:InvokeFunction',
        'lambda:InvokeFunction',
        'lambda:InvokeFunctionUrl',
      ]);
      for (const permission of permissions) expect(permission.FunctionName).toEqual(reader);
    });
  });

  describe('refresher concurrency', () => {
    const reservedOf = (stack: Synthesized, broker: TokenBroker) =>
      stack.json.Resources[stack.logicalId(broker.refresher)]?.Properties.ReservedConcurrentExecutions;

    it("reserves two executions per set (its schedule's and its retry chain's run) plus one by default, so neither readers nor a broker-wide outage starve it", () => {
      // THEN
      expect(reservedOf(synthesized.defaults, defaults)).toBe(3);
      expect(reservedOf(synthesized.two, twoStack.broker)).toBe(5);
      expect(defaultRefresherConcurrency(MAX_CREDENTIAL_SETS)).toBe(101);
    });

    it('reserves what refresherReservedConcurrency says, and nothing for 0', () => {
      // THEN
      expect(reservedOf(synthesized.reserved, reserved)).toBe(5);
      expect(reservedOf(synthesized.custom, custom)).toBeUndefined();
    });

    it('reserves nothing for the readers: the reservation is what keeps them off the refresher', () => {
      // THEN
      for (const reader of readersOf(twoStack.broker)) {
        expect(
          synthesized.two.json.Resources[synthesized.two.logicalId(reader)]?.Properties
            .ReservedConcurrentExecutions,
        ).toBeUndefined();
      }
    });
  });

  describe('invalid props', () => {
    const valid: TokenBrokerProps = { credentials: [{ name: 'sandbox' }] };

    it.each<[string, TokenBrokerProps, string]>([
      ['no credentials', { credentials: [] }, 'credentials: [] must list at least one credential set'],
      [
        'a bad name',
        { credentials: [{ name: 'Prod' }] },
        "credentials[0].name: 'Prod' must match [a-z0-9-]{1,64}",
      ],
      [
        'a duplicate name',
        { credentials: [{ name: 'a' }, { name: 'a' }] },
        "credentials[1].name: 'a' duplicates credentials[0].name",
      ],
      [
        'more credential sets than one stack holds',
        {
          credentials: Array.from({ length: MAX_CREDENTIAL_SETS + 1 }, (_, index) => ({
            name: `s-${index}`,
          })),
        },
        `credentials lists ${MAX_CREDENTIAL_SETS + 1} credential sets; one broker takes at most ${MAX_CREDENTIAL_SETS}`,
      ],
      [
        'names longer together than one stack template holds',
        {
          credentials: Array.from({ length: 26 }, (_, index) => ({
            name: `s-${String(index).padStart(2, '0')}-`.padEnd(64, 'x'),
          })),
        },
        `credentials name 26 credential sets with 1664 characters together; one broker takes at most ${MAX_CREDENTIAL_NAME_CHARACTERS}`,
      ],
      [
        'an http token URL',
        { credentials: [{ name: 'a', tokenUrl: 'http://example.com/token' }] },
        "credentials[0].tokenUrl: 'http://example.com/token' must use https",
      ],
      [
        'an unknown clientAuth',
        { credentials: [{ name: 'a', clientAuth: 'none' as 'client_secret_post' }] },
        "credentials[0].clientAuth: 'none' must be one of client_secret_post, client_secret_basic",
      ],
      [
        'an empty scope',
        { credentials: [{ name: 'a', scope: '' }] },
        "credentials[0].scope: '' must be a non-empty string",
      ],
      [
        'both secret and secretName',
        {
          credentials: [
            {
              name: 'a',
              secretName: 'x',
              secret: secretsmanager.Secret.fromSecretNameV2(new Stack(), 'S', 'x'),
            },
          ],
        },
        "credentials[0].secretName: 'x' cannot be combined with secret",
      ],
      [
        'a 4-minute interval',
        { ...valid, refreshInterval: Duration.minutes(4) },
        'refreshInterval: Duration.minutes(4) must be an integer from 5 to 54 minutes',
      ],
      [
        'a number of minutes instead of a Duration',
        { ...valid, refreshInterval: 30 as unknown as Duration },
        'refreshInterval: 30 must be a Duration of whole minutes, e.g. Duration.minutes(50)',
      ],
      [
        'a 56-minute Duration',
        { ...valid, refreshInterval: Duration.minutes(56) },
        'refreshInterval: Duration.minutes(56) must be an integer from 5 to 54 minutes',
      ],
      [
        // The token fetched at one run has 3600 - 55 * 60 = 300 s left at the next: not MORE than the default.
        'a 55-minute Duration',
        { ...valid, refreshInterval: Duration.minutes(55) },
        'refreshInterval: Duration.minutes(55) must be an integer from 5 to 54 minutes (an A55 token lives ' +
          '3600 s: at the next run it must still have more than the default minValiditySeconds, 300 s, left)',
      ],
      [
        'a Duration of 5.5 minutes',
        { ...valid, refreshInterval: Duration.seconds(330) },
        'refreshInterval: Duration.seconds(330) must be an integer from 5 to 54 minutes',
      ],
      [
        'a negative cache',
        { ...valid, readerCacheSeconds: -1 },
        'readerCacheSeconds: -1 must be an integer from 0 to 300',
      ],
      [
        'a cache over 300 s',
        { ...valid, readerCacheSeconds: 301 },
        'readerCacheSeconds: 301 must be an integer from 0 to 300',
      ],
      [
        'a bad organization id',
        { ...valid, allowedOrganizationId: 'r-abcd' },
        "allowedOrganizationId: 'r-abcd' must match ^o-[a-z0-9]{10,32}$",
      ],
      [
        'a negative refresher concurrency',
        { ...valid, refresherReservedConcurrency: -1 },
        'refresherReservedConcurrency: -1 must be an integer from 0 to 1000',
      ],
      [
        'a fractional refresher concurrency',
        { ...valid, refresherReservedConcurrency: 1.5 },
        'refresherReservedConcurrency: 1.5 must be an integer from 0 to 1000',
      ],
      [
        'a refresher concurrency over the default account quota',
        { ...valid, refresherReservedConcurrency: 1001 },
        'refresherReservedConcurrency: 1001 must be an integer from 0 to 1000',
      ],
    ])('throws on %s, naming the construct path, the prop and value', (_label, props, message) => {
      // WHEN
      const create = () => new TokenBroker(new Stack(undefined, 'Props'), 'Broker', props);

      // THEN
      expect(create).toThrow(TokenBrokerConfigError);
      expect(create).toThrow(`Props/Broker: ${message}`);
    });

    it('accepts a Duration of whole minutes and the bounds', () => {
      // WHEN (bundling skipped: constructing a NodejsFunction would otherwise run esbuild)
      const create = (refreshInterval: Duration) =>
        new TokenBroker(new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } })), 'Broker', {
          ...valid,
          refreshInterval,
        });

      // THEN
      expect(() => create(Duration.minutes(5))).not.toThrow();
      expect(() => create(Duration.hours(0.5))).not.toThrow();
      expect(() => create(Duration.minutes(54))).not.toThrow();
    });
  });
});
