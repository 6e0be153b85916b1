/**
 * Policy tightening (issue #11 item 12): service principals in key policies are held to this
 * account and its own resources, the reader's state update is held to the attribute its
 * claim writes (checked against the claim the adapter really sends), the refresher holds only
 * the calls its code makes, and an imported secret's customer-managed key can be granted.
 */

import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../lambda/adapters/dynamodb-state-store.js';
import { loadBrokerConfig } from '../../lib/config.js';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { TokenBrokerConfigError } from '../../lib/validation.js';
import {
  type Json,
  render,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
  testApp,
} from './template.js';

const SHARED_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OBJECT_KEY = 'arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef';
const NAMED_KEY = 'arn:aws:kms:us-east-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab';
const { app, outdir } = testApp('infra-policy-tightening');

// GIVEN the stack from a configuration with every key: table, failure queue, alarm topic, and
// an imported secret encrypted with a customer-managed key given by ARN
const configured = new TokenBrokerStack(app, 'Configured', {
  config: loadBrokerConfig({
    credentials: [
      { name: 'sandbox' },
      { name: 'shared', secretName: 'a55/shared', secretKmsKeyArn: SHARED_KEY },
    ],
    alarmEmail: 'ops@example.com',
  }),
});

// GIVEN a broker on a secret object that carries its key, and one imported by name with a key prop
const propsStack = new Stack(app, 'Props');
const withKey = secretsmanager.Secret.fromSecretAttributes(propsStack, 'WithKey', {
  secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/object-AbCdEf',
  encryptionKey: kms.Key.fromKeyArn(propsStack, 'ObjectKey', OBJECT_KEY),
});
const propsBroker = new TokenBroker(propsStack, 'Broker', {
  credentials: [
    { name: 'by-object', secret: withKey },
    {
      name: 'by-name',
      secretName: 'a55/by-name',
      secretEncryptionKey: kms.Key.fromKeyArn(propsStack, 'NamedKey', NAMED_KEY),
    },
  ],
});

let stacks: Record<'configured' | 'props', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  stacks = synthesize(app, outdir, { configured, props: propsStack });
});

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const withPrefix = (statements: Statement[], prefix: string) =>
  statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith(prefix)));
const refresherStatements = (synthesized: Synthesized, broker: TokenBroker) =>
  statementsOfRole(synthesized, synthesized.logicalId(broker.refresher.role as iam.IRole));

describe('Policy tightening', () => {
  describe('key policies', () => {
    it('holds every service principal in a key policy to this account and its own resources', () => {
      // THEN
      const keys = Object.values(stacks.configured.json.Resources).filter((r) => r.Type === 'AWS::KMS::Key');
      // table, failure queue, alarm topic
      expect(keys).toHaveLength(3);
      const servicePrincipalStatements = keys.flatMap((key) =>
        (
          (key.Properties.KeyPolicy as { Statement: (Statement & { Principal: Json })[] }).Statement ?? []
        ).filter((statement) => (statement.Principal as { Service?: unknown }).Service !== undefined),
      );
      const services = servicePrincipalStatements
        .map((statement) => (statement.Principal as Json).Service)
        .sort();
      expect(services).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
      for (const statement of servicePrincipalStatements) {
        expect(statement.Condition, JSON.stringify(statement)).toEqual({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        });
      }
      const sourceArns = Object.fromEntries(
        servicePrincipalStatements.map((statement) => [
          (statement.Principal as Json).Service,
          render(((statement.Condition as Json).ArnLike as Json)['aws:SourceArn']),
        ]),
      );
      expect(sourceArns).toEqual({
        // The rotation rules, whose dead-letter queue this key encrypts
        'events.amazonaws.com': 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/*',
        // The alarms, whose notifications the alarm topic encrypts
        'cloudwatch.amazonaws.com': 'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*',
      });
    });
  });

  describe("the reader's state update", () => {
    it('allows exactly the attributes the claim the adapter sends touches', async () => {
      // GIVEN the claim as DynamoDbStateStore sends it
      const dynamo = mockClient(DynamoDBClient);
      dynamo.on(UpdateItemCommand).resolves({});
      const store = new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: 't' });

      // WHEN
      await store.claimRefreshRequest('sandbox', 1_000, 940);
      const [call] = dynamo.commandCalls(UpdateItemCommand);
      dynamo.restore();

      // THEN
      const input = call?.args[0].input;
      const touched = attributesOf(
        [input?.UpdateExpression, input?.ConditionExpression].join(' '),
        input?.ExpressionAttributeNames,
      );
      const { configured: synthesized } = stacks;
      const reader = configured.broker.credentialSet('sandbox').reader;
      const update = withPrefix(
        statementsOfRole(synthesized, synthesized.logicalId(reader.role as iam.IRole)),
        'dynamodb:UpdateItem',
      );
      expect(update).toHaveLength(1);
      const condition = (update[0] as Statement).Condition as Json;
      const allowed = (condition['ForAllValues:StringEquals'] as Json)['dynamodb:Attributes'];
      expect(['credential', ...touched].sort()).toEqual([...(allowed as string[])].sort());
      expect(input?.ReturnValues ?? 'NONE').toBe('NONE');
    });
  });

  describe("the refresher's role", () => {
    it('reads each secret with GetSecretValue only (never DescribeSecret, which its code does not call)', () => {
      // THEN: one statement for the sets of one grant policy (lib/refresher-grants.ts)
      const statements = withPrefix(
        refresherStatements(stacks.configured, configured.broker),
        'secretsmanager:',
      );
      expect(statements.map(actionsOf)).toEqual([['secretsmanager:GetSecretValue']]);
      const resources = statements.flatMap((statement) =>
        (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(render),
      );
      expect(resources).toEqual([
        `<${stacks.configured.logicalId(configured.broker.credentialSet('sandbox').secret as secretsmanager.Secret)}>`,
        'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:a55/shared-??????',
      ]);
    });

    it('gets, puts and updates only the items of its own sets: tokens put, state items updated', () => {
      // THEN
      const table = { 'Fn::GetAtt': [stacks.configured.logicalId(configured.broker.table), 'Arn'] };
      expect(withPrefix(refresherStatements(stacks.configured, configured.broker), 'dynamodb:')).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: table,
          Condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': ['sandbox', 'shared', 'sandbox#state', 'shared#state'],
            },
          },
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: table,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['sandbox', 'shared'] } },
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: table,
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['sandbox#state', 'shared#state'] },
          },
        },
      ]);
    });

    it.each<[string, () => [Synthesized, TokenBroker], string, string]>([
      ['secretKmsKeyArn in cdk.json', () => [stacks.configured, configured.broker], SHARED_KEY, 'shared'],
      ['a secret object that carries its key', () => [stacks.props, propsBroker], OBJECT_KEY, 'by-object'],
      ['secretEncryptionKey with secretName', () => [stacks.props, propsBroker], NAMED_KEY, 'by-name'],
    ])(
      "lets the refresher decrypt an imported secret's customer-managed key given by %s, through Secrets Manager only",
      (_label, pick, keyArn) => {
        // GIVEN
        const [synthesized, broker] = pick();

        // THEN
        // One kms:Decrypt statement a grant policy names all its sets' keys (decision 43)
        const resources = (statement: { Resource: unknown }) => [statement.Resource].flat();
        const onKey = refresherStatements(synthesized, broker).filter((statement) =>
          resources(statement).includes(keyArn),
        );
        expect(
          onKey
            .flatMap(resources)
            .every((arn) => [SHARED_KEY, OBJECT_KEY, NAMED_KEY].includes(arn as string)),
        ).toBe(true);
        expect(onKey).toEqual([
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: expect.anything(),
            Condition: {
              StringEquals: {
                'kms:ViaService': {
                  'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
                },
              },
            },
          },
        ]);
      },
    );

    it('refuses a key prop next to a secret object (the object carries its own key)', () => {
      // WHEN
      const create = () => {
        const scope = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Both');
        return new TokenBroker(scope, 'Broker', {
          credentials: [
            {
              name: 'a',
              secret: secretsmanager.Secret.fromSecretNameV2(scope, 'S', 'x'),
              secretEncryptionKey: kms.Key.fromKeyArn(scope, 'K', NAMED_KEY),
            },
          ],
        });
      };

      // THEN
      expect(create).toThrow(TokenBrokerConfigError);
      expect(create).toThrow(
        'Both/Broker: credentials[0].secretEncryptionKey: needs secretName; a secret object carries its own key (Secret.fromSecretAttributes({ encryptionKey }))',
      );
    });
  });
});

/** The top-level attribute names an update or condition expression names (`#x` resolved). */
function attributesOf(expression: string, names: Record<string, string> | undefined): string[] {
  const words = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
  const functions =
    /^(attribute_exists|attribute_not_exists|attribute_type|begins_with|contains|size|if_not_exists|list_append)$/;
  const found = new Set<string>();
  for (const token of expression.match(/[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    if (token.startsWith(':') || words.has(token) || functions.test(token)) continue;
    found.add(token.startsWith('#') ? (names?.[token] ?? token) : token);
  }
  return [...found];
}
