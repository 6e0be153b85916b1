import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../lib/config.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { TokenBrokerConfigError } from '../../lib/validation.js';
import { render, type Synthesized, synthesize, testApp } from './template.js';

const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';
const { app, outdir } = testApp('infra-token-broker-stack');

// GIVEN the two-credential configuration of the issue, through the stack and loadBrokerConfig
const twoStack = new TokenBrokerStack(app, 'TwoCredentials', {
  config: loadBrokerConfig(
    JSON.stringify({ credentials: [{ name: 'sandbox', tokenUrl: SANDBOX_URL }, { name: 'production' }] }),
  ),
});

let two: Synthesized;

beforeAll(() => {
  // WHEN the app is synthesized once
  ({ two } = synthesize(app, outdir, { two: twoStack }));
});

describe('Construct: TokenBrokerStack', () => {
  describe('outputs', () => {
    it("outputs each set's reader (name, ARN, URL) and secret ARN, the refresher and the table", () => {
      // THEN
      const { template, logicalId, json } = two;
      const broker = twoStack.broker;
      for (const [suffix, name] of [
        ['Sandbox', 'sandbox'],
        ['Production', 'production'],
      ] as const) {
        const { reader, readerUrl } = broker.credentialSet(name);
        template.hasOutput(`ReaderFunctionName${suffix}`, {
          Value: { Ref: logicalId(reader) },
          Description: Match.stringLikeRegexp(`credential set '${name}'`),
        });
        template.hasOutput(`ReaderFunctionArn${suffix}`, {
          Value: { 'Fn::GetAtt': [logicalId(reader), 'Arn'] },
        });
        template.hasOutput(`ReaderUrl${suffix}`, {
          Value: { 'Fn::GetAtt': [logicalId(readerUrl), 'FunctionUrl'] },
        });
      }
      // The single reader's outputs are gone: each set has its own reader.
      expect(Object.keys(json.Outputs ?? {})).not.toContain('ReaderFunctionName');
      expect(Object.keys(json.Outputs ?? {})).not.toContain('ReaderUrl');
      template.hasOutput('RefresherFunctionName', { Value: { Ref: logicalId(broker.refresher) } });
      template.hasOutput('TableName', { Value: { Ref: logicalId(broker.table) } });
      for (const [output, name] of [
        ['SecretArnSandbox', 'sandbox'],
        ['SecretArnProduction', 'production'],
      ] as const) {
        template.hasOutput(output, {
          Value: { Ref: logicalId(broker.credentialSet(name).secret as secretsmanager.Secret) },
          Description: Match.stringLikeRegexp(`credential set '${name}'`),
        });
      }
    });

    it('outputs the failure queue URL and the dashboard name and console link', () => {
      // THEN
      const broker = twoStack.broker;
      two.template.hasOutput('FailureQueueUrl', { Value: { Ref: two.logicalId(broker.failureQueue) } });
      two.template.hasOutput('DashboardName', { Value: { Ref: two.logicalId(broker.dashboard) } });
      const url = render((two.json.Outputs?.DashboardUrl as { Value: unknown } | undefined)?.Value);
      expect(url).toBe(
        'https://<AWS::Region>.console.aws.amazon.com/cloudwatch/home?region=<AWS::Region>' +
          `#dashboards:name=<${two.logicalId(broker.dashboard)}>`,
      );
    });

    it('refuses two credential names that map to one output id, naming the stack', () => {
      // WHEN
      const create = () =>
        new TokenBrokerStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Clash', {
          config: loadBrokerConfig({ credentials: [{ name: 'a-1' }, { name: 'a1' }] }),
        });

      // THEN
      expect(create).toThrow(TokenBrokerConfigError);
      expect(create).toThrow(
        "Clash: credential names 'a-1' and 'a1' both map to output SecretArnA1; rename one",
      );
    });
  });
});
