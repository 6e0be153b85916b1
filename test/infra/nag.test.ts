import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKER_STACK_ID, createBrokerApp } from '../../lib/broker-app.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-nag');
const CANARY_STACK = 'NagCanary';

/**
 * Every feature that adds resources: created and imported secrets (one with its own KMS
 * key), scope, one reader per set with the org policy on some of them, the alarm topic with
 * its e-mail subscription (rotation rules, failure queue, deploy-time custom resource,
 * alarms and dashboard are always there).
 */
const CONFIG = {
  credentials: [
    {
      name: 'sandbox',
      tokenUrl: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token',
      scope: 'a55/read',
    },
    { name: 'production', clientAuth: 'client_secret_basic' },
    {
      name: 'shared',
      secretName: 'a55/shared',
      secretKmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
  ],
  refreshIntervalMinutes: 45,
  allowedOrganizationId: 'o-abcde12345',
  allowedOrganizationSets: ['sandbox', 'shared'],
  alarmEmail: 'ops@example.com',
};

interface Violation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: { readonly constructPath: string }[];
}
interface ValidationReport {
  readonly pluginReports: { readonly pluginName: string; readonly violations: Violation[] }[];
}
interface TemplateWithNagMetadata {
  readonly Resources: Record<
    string,
    { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }
  >;
}

let report: ValidationReport;
let synthError: unknown;

beforeAll(() => {
  rmSync(OUTDIR, { recursive: true, force: true });
  // GIVEN the app exactly as bin/app.ts builds it (cdk-nag registered), environment-agnostic,
  // without bundles (cdk-nag reads the templates only)
  const { app } = createBrokerApp(
    { outdir: OUTDIR, context: { tokenBroker: CONFIG, 'aws:cdk:bundling-stacks': [] } },
    {},
  );
  // AND a canary stack with one known finding, so an empty report cannot mean "cdk-nag did not run"
  new secretsmanager.Secret(new Stack(app, CANARY_STACK), 'UnrotatedSecret');

  // WHEN it is synthesized (in memory, a finding makes synth throw after writing the report)
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  report = JSON.parse(readFileSync(join(OUTDIR, 'validation-report.json'), 'utf8')) as ValidationReport;
});

const allViolations = (): { plugin: string; rule: string; path: string; description: string }[] =>
  report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        path: construct.constructPath,
        description: violation.description,
      })),
    ),
  );

describe('Construct: TokenBroker', () => {
  describe('cdk-nag (AWS Solutions)', () => {
    it('runs and reports the canary finding, failing the synth', () => {
      // THEN
      expect(report.pluginReports.map((plugin) => plugin.pluginName)).toContain('AwsSolutions');
      expect(allViolations()).toContainEqual(
        expect.objectContaining({
          plugin: 'AwsSolutions',
          rule: 'AwsSolutions-SMG4',
          path: `${CANARY_STACK}/UnrotatedSecret/Resource`,
        }),
      );
      expect(String(synthError)).toMatch(/ValidationFailed/);
      expect(String(synthError)).toContain(`${CANARY_STACK}/UnrotatedSecret/Resource`);
    });

    it('has no unacknowledged finding in the broker stack', () => {
      // THEN
      const brokerFindings = allViolations().filter(
        (violation) => !violation.path.startsWith(`${CANARY_STACK}/`),
      );
      const listing = brokerFindings
        .map(
          (violation) =>
            `${violation.plugin} ${violation.rule} at ${violation.path}: ${violation.description}`,
        )
        .join('\n');
      expect(brokerFindings, `unacknowledged findings:\n${listing}`).toEqual([]);
    });

    it('writes every acknowledgement, with a specific reason, next to its resource in the template', () => {
      // WHEN
      const template = JSON.parse(
        readFileSync(join(OUTDIR, `${BROKER_STACK_ID}.template.json`), 'utf8'),
      ) as TemplateWithNagMetadata;
      const acknowledged = Object.entries(template.Resources).flatMap(([logicalId, resource]) =>
        (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({ logicalId, ...rule })),
      );

      // THEN: the table's missing PITR, rotation of each created (not imported) secret, and the
      // failure queue having no DLQ of its own (it is the DLQ); nothing on the custom resource
      // provider, which runs on Node.js 24 with its own role (no AWSLambdaBasicExecutionRole)
      expect(
        acknowledged.map((rule) => [rule.id, rule.logicalId.replace(/[0-9A-F]{8}$/, '')]).sort(),
      ).toEqual(
        [
          ['AwsSolutions-DDB3', 'TokenBrokerTable'],
          ['AwsSolutions-SMG4', 'TokenBrokerCredentialSetsproductionSecret'],
          ['AwsSolutions-SMG4', 'TokenBrokerCredentialSetssandboxSecret'],
          ['AwsSolutions-SQS3', 'TokenBrokerFailureQueue'],
        ].sort(),
      );
      for (const rule of acknowledged) expect(rule.reason.length, rule.id).toBeGreaterThan(80);
    });
  });
});
