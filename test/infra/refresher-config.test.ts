/**
 * The refresher's sets as synthesized (lib/refresher-config.ts, lib/refresher-grants.ts):
 * a `tokenUrl` or `scope` that is a CloudFormation token at synth (a CfnParameter, an
 * import) is not written into the file, whose values must be concrete, but routed to the
 * set's parameter (review finding 6, synth side); and each broker's per-set grants name
 * its own secrets, items and parameter path only, never another broker's.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFRESHER_CONFIG_FILE } from '../../contract/index.js';
import { TokenBroker } from '../../lib/token-broker.js';
import {
  arnOf,
  type Json,
  render,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesizeInPlace,
} from './template.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-refresher-config');
const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';

rmSync(OUTDIR, { recursive: true, force: true });
mkdirSync(OUTDIR, { recursive: true });
const app = new App({ outdir: OUTDIR, context: { 'aws:cdk:bundling-stacks': [] } });

// GIVEN a broker whose token URL is a stack parameter and whose scope is an import, on a
// secret imported by name (so only the token fields are left to deploy time), beside a set
// whose fields are all known
const tokensStack = new Stack(app, 'Tokens');
const tokenUrl = new CfnParameter(tokensStack, 'TokenUrl', { type: 'String' }).valueAsString;
const tokens = new TokenBroker(tokensStack, 'Broker', {
  credentials: [
    { name: 'deploy-time', tokenUrl, scope: Fn.importValue('A55Scope'), secretName: 'a55/deploy-time' },
    { name: 'known', tokenUrl: SANDBOX_URL, scope: 'wallets/read', secretName: 'a55/known' },
  ],
});

// GIVEN two brokers of twelve sets each in one stack
const twinsStack = new Stack(app, 'Twins');
const twelve = (prefix: string) => Array.from({ length: 12 }, (_, index) => ({ name: `${prefix}-${index}` }));
const first = new TokenBroker(twinsStack, 'First', { credentials: twelve('first'), brokerName: 'first' });
const second = new TokenBroker(twinsStack, 'Second', { credentials: twelve('second'), brokerName: 'second' });

let synthesized: Record<'tokens' | 'twins', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesizeInPlace(app, { tokens: tokensStack, twins: twinsStack });
});

function refresherConfigOf(stack: Synthesized, broker: TokenBroker): Json[] {
  const code = stack.json.Resources[stack.logicalId(broker.refresher)]?.Properties.Code as { S3Key: string };
  const dir = join(OUTDIR, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  return (JSON.parse(readFileSync(join(dir, REFRESHER_CONFIG_FILE), 'utf8')) as { credentials: Json[] })
    .credentials;
}

describe('Construct: TokenBroker, the refresher configuration', () => {
  describe('a token URL and a scope that are tokens at synth', () => {
    it('leaves them out of the file and names them as the fields the parameter supplies', () => {
      // THEN: no unresolved token text reaches the file
      const [deployTime, known] = refresherConfigOf(synthesized.tokens, tokens);
      expect(deployTime).toEqual({
        name: 'deploy-time',
        clientAuth: 'client_secret_post',
        secretId: 'a55/deploy-time',
        parameter: expect.stringMatching(/^[0-9a-f]{16}$/),
        parameterFields: ['tokenUrl', 'scope'],
      });
      expect(known).toEqual({
        name: 'known',
        clientAuth: 'client_secret_post',
        secretId: 'a55/known',
        tokenUrl: SANDBOX_URL,
        scope: 'wallets/read',
      });
      expect(JSON.stringify([deployTime, known])).not.toContain('${Token');
    });

    it("puts them in the set's parameter as the stack resolves them at deploy time", () => {
      // THEN
      const parameter = tokens.node.findChild('RefresherConfig').node.findChild('deploy-time');
      const properties = synthesized.tokens.resource(parameter).Properties;
      expect(render(properties.Name)).toMatch(
        /^\/a55-token-broker\/<AWS::StackName>\/Broker-[0-9a-f]{8}\/deploy-time$/,
      );
      const value = properties.Value as { 'Fn::Join': [string, unknown[]] };
      const parts = value['Fn::Join'][1];
      expect(parts).toContainEqual({ Ref: 'TokenUrl' });
      expect(parts).toContainEqual({ 'Fn::ImportValue': 'A55Scope' });
      // Only the known set has no parameter: nothing of it is left to deploy time
      expect(tokens.node.findChild('RefresherConfig').node.tryFindChild('known')).toBeUndefined();
    });
  });

  describe('two brokers in one stack', () => {
    const grantsOf = (broker: TokenBroker) =>
      statementsOfRole(synthesized.twins, synthesized.twins.logicalId(broker.refresher.role as iam.IRole));
    const secretRefsOf = (broker: TokenBroker) =>
      broker.credentialSets.map((set) => ({
        Ref: synthesized.twins.logicalId(set.secret as secretsmanager.Secret),
      }));
    const resources = (statement: Statement) =>
      Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

    it.each([
      ['first', () => [first, second] as const],
      ['second', () => [second, first] as const],
    ])(
      "give the %s broker's refresher its own secrets, items and table only, its twelve sets in one grant policy",
      (_label, pick) => {
        // GIVEN
        const [own, other] = pick();
        const statements = grantsOf(own);

        // THEN: exactly its twelve secrets, no other broker's, no wildcard (short names: one
        // policy holds them all, its size as deployed far under IAM's 6,144)
        const secrets = statements.filter((statement) =>
          String(statement.Action).startsWith('secretsmanager:'),
        );
        expect(secrets.map((statement) => resources(statement).length)).toEqual([12]);
        expect(secrets.flatMap(resources)).toEqual(secretRefsOf(own));
        for (const ref of secretRefsOf(other))
          expect(JSON.stringify(statements)).not.toContain(JSON.stringify(ref));
        // Its items only: every leading key is one of its sets' (or their state items)
        const keys = statements.flatMap((statement) => {
          const condition = (statement.Condition ?? {}) as { 'ForAllValues:StringEquals'?: Json };
          return (condition['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'] ?? []) as string[];
        });
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) expect(own.credentialNames).toContain(key.replace(/#state$/, ''));
        // ... of its own table, not the other broker's
        const onTables = statements.filter((statement) => String(statement.Action).startsWith('dynamodb:'));
        expect(onTables.length).toBeGreaterThan(0);
        for (const statement of onTables) {
          expect(resources(statement)).toEqual([arnOf(synthesized.twins, own.table)]);
        }
        expect(statements.flatMap(resources).map((resource) => JSON.stringify(resource))).not.toContain(
          '"*"',
        );
      },
    );

    it("give each refresher its own parameter path, not the other broker's", () => {
      // THEN
      const pathOf = (broker: TokenBroker) =>
        grantsOf(broker)
          .filter((statement) => statement.Action === 'ssm:GetParametersByPath')
          .map((statement) => render(statement.Resource));
      const [firstPath] = pathOf(first);
      const [secondPath] = pathOf(second);
      expect(pathOf(first)).toHaveLength(1);
      expect(firstPath).toMatch(/:parameter\/a55-token-broker\/<AWS::StackName>\/First-[0-9a-f]{8}$/);
      expect(secondPath).toMatch(/:parameter\/a55-token-broker\/<AWS::StackName>\/Second-[0-9a-f]{8}$/);
    });
  });
});
