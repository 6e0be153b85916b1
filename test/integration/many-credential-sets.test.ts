/**
 * The most credential sets one broker takes (MAX_CREDENTIAL_SETS, docs/design.md decisions
 * 34 and 42), synthesized as `cdk deploy` would (the stack app, cdk-nag registered): the
 * stack and its nested stacks are deploy-shaped (no cdk-nag finding, within CloudFormation's
 * quotas: test/infra/deploy-limits.test.ts checks each limit at the longest names; every
 * function's environment bounded whatever the number of sets), and its functions start with
 * the configuration they need: the refresher bundle and the reader bundle of the last set
 * (in a nested stack of its own), taken out of the cloud assembly's asset folders, run
 * against DynamoDB Local, the real OAuth server and the loopback AWS stand-in (Secrets
 * Manager, Parameter Store, Lambda, SQS), and the reader serves the token the refresher
 * stored.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESHER_CONFIG_FILE } from '../../contract/index.js';
import type { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { MAX_CREDENTIAL_SETS, SETS_IN_BROKER_STACK } from '../../lib/validation.js';
import {
  logicalIdsOfType,
  readerFunction,
  refresherFunction,
  type SynthesizedFunction,
  synthesizedFunctions,
  synthesizedParameters,
} from '../../tools/synthesized-handlers.js';
import { lambdaContext } from '../fakes/lambda-context.js';
import type { AwsStandIn } from '../support/aws-stand-in.js';
import { importBundledHandler } from '../support/bundled-handler.js';
import {
  CANARY_FINDINGS,
  CLOUDFORMATION,
  LAMBDA_ENVIRONMENT_BYTES,
  nagReport,
  synthesizeStackApp,
  type TemplateFile,
} from '../support/deploy-limits.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import {
  addNestedParameterRefs,
  startTemplateStandIns,
  type TemplateStandIns,
} from '../support/template-table.js';

// biome-ignore lint/suspicious/noExplicitAny: a bundle's answer is untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

/** The longest a Ref or GetAtt in an environment resolves to (names, ARNs and URLs of these resources). */
const RESOLVED_REFERENCE_BYTES = 256;

const TABLE = 'a55-token-broker-many';
const REFRESHER_NAME = 'a55-token-broker-refresher';
const NAMES = Array.from(
  { length: MAX_CREDENTIAL_SETS },
  (_, index) => `set-${String(index).padStart(2, '0')}`,
);
/** The set the functions are started for: the last one configured, in a nested stack of its own. */
const TARGET = NAMES[NAMES.length - 1] as string;

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
  let standIns: TemplateStandIns;
  let aws: AwsStandIn;
  let oauth: OAuthServer;
  const dynamo = useDynamoDbLocal();
  let outdir: string;
  let stack: TokenBrokerStack;
  let templates: TemplateFile[];
  let functions: SynthesizedFunction[];
  let refresherFn: SynthesizedFunction;
  let synthError: unknown;
  let refs: Record<string, string>;
  const secretArnOf = (name: string) =>
    `arn:aws:secretsmanager:us-east-1:111122223333:secret:a55-${name}-AbCdEf`;

  beforeAll(async () => {
    oauth = await startOAuthServer({
      accessTokenTtl: 3600,
      clients: [{ clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' }],
    });
    // GIVEN the stack app with every per-set feature on: created secrets, an organization
    // allowed to read, an alarm topic; the sets on the local OAuth server
    // WHEN it is synthesized
    ({ outdir, stack, templates, synthError } = synthesizeStackApp('assembly-many-', {
      credentials: NAMES.map((name) => ({ name, tokenUrl: oauth.tokenUrl })),
      allowedOrganizationId: 'o-abcde12345',
      alarmEmail: 'ops@example.com',
    }));
    const [root] = templates as [TemplateFile];
    functions = templates.flatMap(({ template }) => synthesizedFunctions(template));
    refresherFn = refresherFunction(functions);

    // The table from its template definition; every reference the functions hold, local,
    // those of the nested stacks through the parameters the broker's stack passes them.
    standIns = await startTemplateStandIns({
      dynamo,
      template: root.template,
      tableName: TABLE,
      refresher: { logicalId: refresherFn.logicalId, name: REFRESHER_NAME },
    });
    ({ aws, refs } = standIns);
    for (const set of stack.broker.credentialSets) {
      refs[stack.resolve((set.secret.node.defaultChild as CfnElement).logicalId) as string] = secretArnOf(
        set.name,
      );
    }
    for (const { parameters } of templates) if (parameters) addNestedParameterRefs(refs, parameters);
    const [client] = oauth.clients;
    aws.setSecret(
      secretArnOf(TARGET),
      JSON.stringify({ client_id: client?.clientId, client_secret: client?.clientSecret }),
    );
    for (const [name, value] of synthesizedParameters(root.template, refs)) aws.setParameter(name, value);
  }, 240_000);

  afterAll(async () => {
    await oauth?.stop();
    await standIns?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  describe('the synthesized stack', () => {
    it('has no cdk-nag AwsSolutions finding in the broker stack or its nested stacks (the canaries have theirs)', () => {
      // THEN
      const { plugins, findings } = nagReport(outdir);
      expect(plugins).toContain('AwsSolutions');
      expect(String(synthError)).toMatch(/ValidationFailed/);
      expect(findings).toEqual([...CANARY_FINDINGS]);
    });

    it("stays within CloudFormation's quotas, the later sets each in a nested stack of its own", () => {
      // THEN
      const [root, ...nested] = templates as [TemplateFile, ...TemplateFile[]];
      expect(nested).toHaveLength(MAX_CREDENTIAL_SETS - SETS_IN_BROKER_STACK);
      for (const { file, template, bytes } of templates) {
        expect(Object.keys(template.Resources).length, file).toBeLessThanOrEqual(CLOUDFORMATION.resources);
        expect(Object.keys(template.Outputs ?? {}).length, file).toBeLessThanOrEqual(CLOUDFORMATION.outputs);
        expect(Object.keys(template.Parameters ?? {}).length, file).toBeLessThanOrEqual(
          CLOUDFORMATION.parameters,
        );
        expect(bytes, file).toBeLessThan(CLOUDFORMATION.templateBytes);
      }
      // One reader per set, one secret and one parameter per set in the broker's stack: nothing was dropped to fit
      const all = (type: string) => templates.flatMap(({ template }) => logicalIdsOfType(template, type));
      expect(all('AWS::Lambda::Url')).toHaveLength(MAX_CREDENTIAL_SETS);
      expect(logicalIdsOfType(root.template, 'AWS::SecretsManager::Secret')).toHaveLength(
        MAX_CREDENTIAL_SETS,
      );
      expect(logicalIdsOfType(root.template, 'AWS::SSM::Parameter')).toHaveLength(MAX_CREDENTIAL_SETS);
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
      // One parameter per set, ten a page: five calls, once, for the whole container
      expect(aws.parameterCalls.map((call) => call.nextToken)).toEqual([undefined, '10', '20', '30', '40']);

      // WHEN it refreshes the last set twice
      const context = lambdaContext('refresher', refresherFn.timeoutSeconds * 1000);
      const first = await refresh({ credential: TARGET }, context);
      const second = await refresh({ credential: TARGET, reason: 'schedule' }, context);

      // THEN it read that set's secret, by the ARN its parameter holds, and stored a token
      expect(first).toMatchObject({ credential: TARGET, outcome: 'written', attempts: 1 });
      expect(second).toMatchObject({ credential: TARGET, outcome: 'written' });
      expect(aws.parameterCalls).toHaveLength(5);
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
