import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const OUTDIR = join(ROOT, '.test-out', 'infra-app');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, assembly
 * directory in CDK_OUTDIR. `-c tokenBroker='{...}'` reaches the app as a string value.
 */
async function runApp(context: Record<string, unknown>, outdir: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

let valid: Run;
let invalid: Run;

beforeAll(async () => {
  rmSync(OUTDIR, { recursive: true, force: true });
  // WHEN the app runs with the two-credential string, and with a bad name
  [valid, invalid] = await Promise.all([
    runApp(
      {
        tokenBroker: JSON.stringify({
          credentials: [
            { name: 'sandbox', tokenUrl: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token' },
            { name: 'production' },
          ],
        }),
      },
      join(OUTDIR, 'valid'),
    ),
    runApp(
      { tokenBroker: { credentials: [{ name: 'sandbox' }, { name: 'Prod' }] } },
      join(OUTDIR, 'invalid'),
    ),
  ]);
});

describe('Construct: TokenBroker', () => {
  describe('bin/app.ts', () => {
    it('synthesizes a JSON-string configuration into two schedules, two secrets, one table, one reader per set', () => {
      // THEN
      expect(valid.code, valid.stderr).toBe(0);
      const template = Template.fromJSON(
        JSON.parse(readFileSync(join(OUTDIR, 'valid', 'A55TokenBroker.template.json'), 'utf8')),
      );
      template.resourceCountIs('AWS::Scheduler::Schedule', 2);
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.resourceCountIs('AWS::Lambda::Url', 2);
    });

    it('runs cdk-nag and finds nothing unacknowledged', () => {
      // THEN: cdk-nag's audit trail is in the template (it is registered) and the report is empty
      const template = readFileSync(join(OUTDIR, 'valid', 'A55TokenBroker.template.json'), 'utf8');
      expect(template).toContain('"rules_to_suppress"');
      const report = JSON.parse(readFileSync(join(OUTDIR, 'valid', 'validation-report.json'), 'utf8'));
      expect(report.pluginReports).toEqual([]);
      expect(valid.stderr).not.toMatch(/AwsSolutions-/);
    });

    it('fails an invalid configuration with one clear line and exit code 1', () => {
      // THEN
      expect(invalid.code).toBe(1);
      expect(invalid.stderr.trim()).toBe(
        "invalid token broker configuration: tokenBroker.credentials[1].name: 'Prod' must match [a-z0-9-]{1,64}",
      );
    });
  });
});
