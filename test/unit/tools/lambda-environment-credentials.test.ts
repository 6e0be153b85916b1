/**
 * The Lambda assets' credentials plugin (tools/lambda-environment-credentials.ts), tested on
 * what it builds: a bundled SDK client signs with the environment's credentials, as Lambda
 * sets them, fails with the SDK's own message without them, and neither asset carries the
 * default chain's other providers (SSO, STS, INI files, instance metadata).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_ASSETS, packageRoot } from '../../../lib/lambda-assets.js';
import { LAMBDA_BUNDLE_OPTIONS } from '../../../tools/build-lambda-assets.js';

const ENTRY = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({ region: 'eu-west-1' });
try {
  const { accessKeyId, sessionToken } = await client.config.credentials();
  console.log(JSON.stringify({ accessKeyId, sessionToken }));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
}
`;

/** Packages of the default chain that must not be in an asset (the env provider is the one kept). */
const CHAIN_PACKAGES = [
  '@aws-sdk/credential-provider-node/',
  '@aws-sdk/credential-provider-ini/',
  '@aws-sdk/credential-provider-sso/',
  '@aws-sdk/credential-provider-process/',
  '@aws-sdk/credential-provider-web-identity/',
  '@aws-sdk/credential-provider-http/',
  '@aws-sdk/nested-clients/',
  '@aws-sdk/token-providers/',
  '@smithy/credential-provider-imds/',
];

describe('credentials in the Lambda assets', () => {
  let dir: string;
  const run = (env: Record<string, string>) =>
    JSON.parse(
      execFileSync(process.execPath, [join(dir, 'out.mjs')], {
        // Nothing else: no HOME, so no ~/.aws files could be read even if a provider tried.
        env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env },
        encoding: 'utf8',
      }),
    ) as { accessKeyId?: string; sessionToken?: string; error?: string };

  beforeAll(async () => {
    // Inside the package, so the entry resolves the SDK from its node_modules.
    mkdirSync(join(packageRoot(), '.test-out'), { recursive: true });
    dir = mkdtempSync(join(packageRoot(), '.test-out', 'env-credentials-'));
    writeFileSync(join(dir, 'entry.mjs'), ENTRY);
    await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      sourcemap: false,
      entryPoints: { out: join(dir, 'entry.mjs') },
      outdir: dir,
      absWorkingDir: packageRoot(),
      logLevel: 'silent',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the credentials Lambda puts in the environment', () => {
    expect(
      run({
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_SESSION_TOKEN: 'session',
      }),
    ).toEqual({ accessKeyId: 'AKIDEXAMPLE', sessionToken: 'session' });
  });

  it('fails with the SDK’s message when the environment has none', () => {
    expect(run({}).error).toMatch(/Unable to find environment variable credentials/);
  });

  it.each(Object.keys(LAMBDA_ASSETS))(
    'the %s asset carries none of the default chain’s other providers',
    async (name) => {
      const asset = LAMBDA_ASSETS[name as keyof typeof LAMBDA_ASSETS];
      const { metafile } = await build({
        ...LAMBDA_BUNDLE_OPTIONS,
        entryPoints: { index: join(packageRoot(), asset.entry) },
        outdir: join(dir, `meta-${name}`),
        absWorkingDir: packageRoot(),
        metafile: true,
        write: false,
      });
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.some((input) => input.includes('@aws-sdk/credential-provider-env/'))).toBe(true);
      expect(inputs.filter((input) => CHAIN_PACKAGES.some((name) => input.includes(name)))).toEqual([]);
    },
  );
});
