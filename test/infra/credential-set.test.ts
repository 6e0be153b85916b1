import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { A55_TOKEN_URL } from '../../contract/index.js';
import { CredentialSet } from '../../lib/credential-set.js';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerConfigError } from '../../lib/validation.js';
import { render, type Synthesized, statementsOfRole, synthesize, testApp } from './template.js';

const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';
const { app, outdir } = testApp('infra-credential-set');

// GIVEN a broker with every default
const defaultsStack = new Stack(app, 'Defaults');
const defaults = new TokenBroker(defaultsStack, 'Broker', { credentials: [{ name: 'default' }] });

// GIVEN a broker on a secret imported by name and a secret given as an object
const customStack = new Stack(app, 'Custom');
const external = new secretsmanager.Secret(customStack, 'External');
const custom = new TokenBroker(customStack, 'Broker', {
  credentials: [
    { name: 'by-name', secretName: 'a55/by-name', scope: 'a55/read', clientAuth: 'client_secret_basic' },
    { name: 'by-object', secret: external, tokenUrl: SANDBOX_URL },
  ],
});

let synthesized: Record<'defaults' | 'custom', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { defaults: defaultsStack, custom: customStack });
});

describe('Construct: CredentialSet', () => {
  describe('secret', () => {
    it('creates the secret with a placeholder value and retains it on delete', () => {
      // THEN
      const { template } = synthesized.defaults;
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: {
          SecretString: JSON.stringify({ client_id: 'REPLACE_ME', client_secret: 'REPLACE_ME' }),
          Description: Match.stringLikeRegexp("credential set 'default'.*Replace the placeholder"),
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('creates no secret for a secretName or a given secret', () => {
      // THEN: the only secret is the one the test stack itself created
      synthesized.custom.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      expect(custom.credentialSet('by-object').secret).toBe(external);
    });

    it('lets the refresher read the imported secret by its name-prefixed ARN', () => {
      // THEN
      const stack = synthesized.custom;
      const statements = statementsOfRole(stack, stack.logicalId(custom.refresher.role as iam.IRole));
      const resources = statements
        .filter((statement) => String(statement.Action).includes('secretsmanager:'))
        .flatMap((statement) =>
          Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
        )
        .map(render);
      expect(resources).toEqual([
        'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:a55/by-name-??????',
        `<${stack.logicalId(external)}>`,
      ]);
    });
  });

  describe('public parts', () => {
    it('is the child of CredentialSets named after the set, holding its secret, triggers and alarms', () => {
      // THEN
      const set = defaults.credentialSet('default');
      expect(set).toBeInstanceOf(CredentialSet);
      expect(set.node.path).toBe('Defaults/Broker/CredentialSets/default');
      expect(set.secret.node.path).toBe('Defaults/Broker/CredentialSets/default/Secret');
      expect(set.schedule.node.path).toBe('Defaults/Broker/CredentialSets/default/Schedule');
      expect(set.rotationRule.node.path).toBe('Defaults/Broker/CredentialSets/default/RotationRule');
      expect(set.deployRefresh.node.path).toBe('Defaults/Broker/CredentialSets/default/DeployRefresh');
      expect(set.alarms.refreshFailed.node.path).toBe(
        'Defaults/Broker/CredentialSets/default/Alarms/RefreshFailed',
      );
    });

    it('exposes the configuration with the defaults applied', () => {
      // THEN
      const byName = custom.credentialSet('by-name');
      const byObject = custom.credentialSet('by-object');
      expect([byName.name, byName.tokenUrl, byName.clientAuth, byName.scope]).toEqual([
        'by-name',
        A55_TOKEN_URL,
        'client_secret_basic',
        'a55/read',
      ]);
      expect([byObject.name, byObject.tokenUrl, byObject.clientAuth, byObject.scope]).toEqual([
        'by-object',
        SANDBOX_URL,
        'client_secret_post',
        undefined,
      ]);
    });

    it('validates its credential with the broker rules, naming its construct path', () => {
      // WHEN
      const create = () =>
        new CredentialSet(new Stack(undefined, 'Alone'), 'sandbox', {
          broker: defaults,
          credential: { name: 'sandbox', tokenUrl: 'http://example.com/token' },
        });

      // THEN
      expect(create).toThrow(TokenBrokerConfigError);
      expect(create).toThrow(
        "Alone/sandbox: credential.tokenUrl: 'http://example.com/token' must use https (http is allowed only for 127.0.0.1 or localhost)",
      );
    });
  });
});
