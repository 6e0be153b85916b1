/**
 * The most credential sets one broker takes (MAX_CREDENTIAL_SETS, docs/design.md decision
 * 34), synthesized as `cdk deploy` would (the stack app, cdk-nag registered): the stack is
 * deploy-shaped (no cdk-nag finding, under CloudFormation's limits on resources, outputs,
 * parameters and template size; every function's environment bounded whatever the number
 * of sets), and its functions start with the configuration they need: the refresher bundle
 * and the reader bundle of one set, taken out of the cloud assembly's asset folders, run
 * against DynamoDB Local, the real OAuth server and the loopback AWS stand-in (Secrets
 * Manager, Parameter Store, Lambda, SQS), and the reader serves the token the refresher
 * stored.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESHER_CONFIG_FILE } from '../../contract/index.js';
import { createBrokerApp } from '../../lib/broker-app.js';
import type { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { MAX_CREDENTIAL_SETS } from '../../lib/validation.js';
import {
  logicalIdsOfType,
  readerFunction,
  readTemplate,
  refresherFunction,
  type SynthesizedFunction,
  synthesizedFunctions,
  synthesizedParameters,
  type Template,
} from '../../tools/synthesized-handlers.js';
import { lambdaContext } from '../fakes/lambda-context.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in.js';
import { importBundledHandler } from '../support/bundled-handler.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';

// biome-ignore lint/suspicious/noExplicitAny: a bundle's answer is untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

/** CloudFormation's quotas a template must stay within (per stack). */
const CLOUDFORMATION = { resources: 500, outputs: 200, parameters: 200, templateBytes: 1_000_000 };
/** Lambda's limit on a function's environment: every key and value together. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** The longest a Ref or GetAtt in an environment resolves to (names, ARNs and URLs of these resources). */
const RESOLVED_REFERENCE_BYTES = 256;

const TABLE = 'a55-token-broker-many';
const REFRESHER_NAME = 'a55-token-broker-refresher';
const NAMES = Array.from(
  { length: MAX_CREDENTIAL_SETS },
  (_, index) => `set-${String(index).padStart(2, '0')}`,
);
/** The set the functions are started for: the last one configured. */
const TARGET = NAMES[NAMES.length - 1] as string;

interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly violations: {
      readonly ruleName: string;
      readonly violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}
/** A stack with one known finding, so an empty report cannot mean "cdk-nag did not run". */
const CANARY_STACK = 'NagCanary';

/** The most a value of the template's environment can resolve to (intrinsics at their longest). */
function resolvedBytesAtMost(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  const [[key, arg]] = Object.entries(value as object) as [[string, unknown]];
  if (key === 'Fn::Join') {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.reduce<number>(
      (sum, part) => sum + resolvedBytesAtMost(part),
      separator.length * parts.length,
    );
  }
  if (key === 'Ref' || key === 'Fn::GetAtt') return RESOLVED_REFERENCE_BYTES;
  throw new Error(`unexpected intrinsic ${key}`);
}

describe('Integration: a broker with the most credential sets it takes', () => {
  let aws: AwsStandIn;
  let oauth: OAuthServer;
  const dynamo = useDynamoDbLocal();
  let outdir: string;
  let stack: TokenBrokerStack;
  let template: Template & { Outputs?: Record<string, unknown>; Parameters?: Record<string, unknown> };
  let functions: SynthesizedFunction[];
  let refresherFn: SynthesizedFunction;
  let synthError: unknown;
  const refs: Record<string, string> = {};
  const secretArnOf = (name: string) =>
    `arn:aws:secretsmanager:us-east-1:111122223333:secret:a55-${name}-AbCdEf`;

  beforeAll(async () => {
    aws = await startAwsStandIn();
    oauth = await startOAuthServer({
      accessTokenTtl: 3600,
      clients: [{ clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' }],
    });
    // GIVEN the stack app with every per-set feature on: created secrets, an organization
    // allowed to read, an alarm topic; the sets on the local OAuth server
    outdir = mkdtempSync(join(process.cwd(), '.test-out', 'assembly-many-'));
    const broker = createBrokerApp(
      {
        outdir,
        context: {
          'aws:cdk:enable-asset-metadata': true,
          tokenBroker: {
            credentials: NAMES.map((name) => ({ name, tokenUrl: oauth.tokenUrl })),
            allowedOrganizationId: 'o-abcde12345',
            alarmEmail: 'ops@example.com',
          },
        },
      },
      {},
    );
    stack = broker.stack;
    new secretsmanager.Secret(new Stack(broker.app, CANARY_STACK), 'UnrotatedSecret');
    // WHEN it is synthesized (the canary's finding makes synth throw after writing the report)
    try {
      broker.app.synth();
    } catch (error) {
      synthError = error;
    }
    template = readTemplate(outdir, stack.stackName);
    functions = synthesizedFunctions(template);
    refresherFn = refresherFunction(functions);

    // The table from its template definition; every reference the functions hold, local.
    const [tableId] = logicalIdsOfType(template, 'AWS::DynamoDB::Table') as [string];
    const table = template.Resources[tableId]?.Properties;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: table.KeySchema,
        AttributeDefinitions: table.AttributeDefinitions,
        BillingMode: table.BillingMode,
      }),
    );
    refs[tableId] = TABLE;
    refs[refresherFn.logicalId] = REFRESHER_NAME;
    for (const queueId of logicalIdsOfType(template, 'AWS::SQS::Queue'))
      refs[queueId] = aws.queueUrl(queueId);
    for (const set of stack.broker.credentialSets) {
      refs[stack.resolve((set.secret.node.defaultChild as CfnElement).logicalId) as string] = secretArnOf(
        set.name,
      );
    }
    const [client] = oauth.clients;
    aws.setSecret(
      secretArnOf(TARGET),
      JSON.stringify({ client_id: client?.clientId, client_secret: client?.clientSecret }),
    );
    for (const [name, value] of synthesizedParameters(template, refs)) aws.setParameter(name, value);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    Object.assign(process.env, aws.endpointEnv);
  }, 240_000);

  afterAll(async () => {
    for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', ...Object.keys(aws?.endpointEnv ?? {})]) {
      delete process.env[name];
    }
    await oauth?.stop();
    await aws?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  describe('the synthesized stack', () => {
    it('has no cdk-nag AwsSolutions finding (the canary stack has its one)', () => {
      // THEN
      const report = JSON.parse(
        readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
      ) as ValidationReport;
      const findings = report.pluginReports.flatMap((plugin) =>
        plugin.violations.flatMap((violation) =>
          violation.violatingConstructs.map(
            (construct) => `${violation.ruleName} ${construct.constructPath}`,
          ),
        ),
      );
      expect(report.pluginReports.map((plugin) => plugin.pluginName)).toContain('AwsSolutions');
      expect(String(synthError)).toMatch(/ValidationFailed/);
      expect(findings).toEqual([`AwsSolutions-SMG4 ${CANARY_STACK}/UnrotatedSecret/Resource`]);
    });

    it("stays within CloudFormation's quotas on resources, outputs, parameters and template size", () => {
      // THEN
      const templateBytes = statSync(join(outdir, `${stack.stackName}.template.json`)).size;
      expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(CLOUDFORMATION.resources);
      expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(CLOUDFORMATION.outputs);
      expect(Object.keys(template.Parameters ?? {}).length).toBeLessThanOrEqual(CLOUDFORMATION.parameters);
      expect(templateBytes).toBeLessThan(CLOUDFORMATION.templateBytes);
      // One reader, one secret and one parameter per set: nothing was dropped to fit
      expect(logicalIdsOfType(template, 'AWS::Lambda::Url')).toHaveLength(MAX_CREDENTIAL_SETS);
      expect(logicalIdsOfType(template, 'AWS::SecretsManager::Secret')).toHaveLength(MAX_CREDENTIAL_SETS);
      expect(logicalIdsOfType(template, 'AWS::SSM::Parameter')).toHaveLength(MAX_CREDENTIAL_SETS);
    });

    it("keeps every function's environment within Lambda's 4 KB, with no set in the refresher's", () => {
      // THEN: at their longest resolved values
      for (const fn of functions) {
        const bytes = Object.entries(fn.environment).reduce(
          (sum, [key, value]) => sum + Buffer.byteLength(key) + resolvedBytesAtMost(value),
          0,
        );
        expect(bytes, fn.logicalId).toBeLessThan(LAMBDA_ENVIRONMENT_BYTES / 2);
      }
      const refresherEnvironment = JSON.stringify(refresherFn.environment);
      for (const name of NAMES) expect(refresherEnvironment).not.toContain(name);
    });

    it("ships every set in the refresher's asset, beside its bundle, and no set file in a reader's", () => {
      // THEN
      const refresherAsset = join(outdir, refresherFn.assetPath);
      expect(readdirSync(refresherAsset)).toEqual(
        expect.arrayContaining(['index.mjs', REFRESHER_CONFIG_FILE]),
      );
      const { credentials } = JSON.parse(
        readFileSync(join(refresherAsset, REFRESHER_CONFIG_FILE), 'utf8'),
      ) as {
        credentials: { name: string; tokenUrl: string }[];
      };
      expect(credentials.map((entry) => entry.name)).toEqual(NAMES);
      expect(credentials.every((entry) => entry.tokenUrl === oauth.tokenUrl)).toBe(true);
      const reader = readerFunction(functions, TARGET);
      expect(existsSync(join(outdir, reader.assetPath, REFRESHER_CONFIG_FILE))).toBe(false);
    });
  });

  describe('the functions, started from the assembly', () => {
    it('refresh the last set, reading the parameters once at cold start, and its reader serves that token', async () => {
      // GIVEN the refresher, cold-started as Lambda would from its asset folder
      const refresh = await importBundledHandler<Handler>(outdir, refresherFn, refs, aws.endpointEnv);
      // One parameter per set, ten a page: three calls, once, for the whole container
      expect(aws.parameterCalls.map((call) => call.nextToken)).toEqual([undefined, '10', '20']);

      // WHEN it refreshes the last set twice
      const context = lambdaContext('refresher', refresherFn.timeoutSeconds * 1000);
      const first = await refresh({ credential: TARGET }, context);
      const second = await refresh({ credential: TARGET, reason: 'schedule' }, context);

      // THEN it read that set's secret, by the ARN its parameter holds, and stored a token
      expect(first).toMatchObject({ credential: TARGET, outcome: 'written', attempts: 1 });
      expect(second).toMatchObject({ credential: TARGET, outcome: 'written' });
      expect(aws.parameterCalls).toHaveLength(3);
      expect(aws.secretCalls.map((call) => call.secretId)).toEqual([
        secretArnOf(TARGET),
        secretArnOf(TARGET),
      ]);
      const item = await dynamo.client.send(
        new GetItemCommand({ TableName: TABLE, Key: { credential: { S: TARGET } }, ConsistentRead: true }),
      );

      // AND the set's own reader, from its asset, serves exactly that token
      const read = await importBundledHandler<Handler>(
        outdir,
        readerFunction(functions, TARGET),
        refs,
        aws.endpointEnv,
      );
      const body = await read({ credential: TARGET }, lambdaContext('reader'));
      expect(body).toMatchObject({ credential: TARGET, tokenType: 'Bearer' });
      expect(body.accessToken).toBe(item.Item?.accessToken?.S);
    });
  });
});
