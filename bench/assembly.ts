/**
 * The artefacts the cold-start and read-path benchmarks measure: the refresher and reader
 * assets exactly as `cdk synth` copies them from dist/lambda-assets (AWS SDK inside; with
 * the environment their template gives them), plus the comparison builds: an empty
 * handler bundled the same way (the floor), the handlers built naively (unminified, every
 * package loaded from node_modules), and the reader with the AWS SDK left to the runtime
 * (what bundling the SDK saves).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createBrokerApp } from '../lib/broker-app.js';
import { LAMBDA_BUNDLE_OPTIONS } from '../tools/build-lambda-assets.js';
import {
  readerFunction,
  readTemplate,
  refresherFunction,
  resolveIntrinsics,
  type SynthesizedFunction,
  synthesizedFunctions,
  type Template,
} from '../tools/synthesized-handlers.js';

/** The repository root, whatever the working directory. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Table name the template's `Ref` to the token table resolves to (created in DynamoDB Local). */
export const BENCH_TABLE = 'a55-token-broker-bench';

/** A bundle ready to import: its file and the environment Lambda would give it. */
export interface BenchBundle {
  readonly label: string;
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
  /** Whether the AWS SDK v3 is inside the bundle (true) or loaded from outside (false). */
  readonly sdkBundled: boolean;
}

/** Everything measured, built once per run. */
export interface BenchAssembly {
  /** Temporary folder under the project (so external packages resolve from its node_modules). */
  readonly outdir: string;
  readonly synthSeconds: number;
  readonly refresher: BenchBundle;
  readonly reader: BenchBundle;
  readonly emptyFloor: BenchBundle;
  readonly naiveRefresher: BenchBundle;
  readonly naiveReader: BenchBundle;
  /** The reader with `@aws-sdk/*` external, loaded from node_modules as a runtime's copy would be. */
  readonly readerSdkExternal: BenchBundle;
}

/** Synthesizes the app as configured in cdk.json and builds the comparison bundles. */
export async function buildAssembly(): Promise<BenchAssembly> {
  const testOut = join(PROJECT_ROOT, '.test-out');
  mkdirSync(testOut, { recursive: true });
  const outdir = mkdtempSync(join(testOut, 'bench-assembly-'));
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };

  const started = performance.now();
  const { app, stack } = createBrokerApp(
    {
      outdir,
      context: { 'aws:cdk:enable-asset-metadata': true, tokenBroker: cdkJson.context?.tokenBroker },
    },
    // Environment-agnostic, as in the tests: no account lookups, no network.
    {},
  );
  app.synth();
  const synthSeconds = (performance.now() - started) / 1000;

  const template = readTemplate(outdir, stack.stackName);
  const functions = synthesizedFunctions(template);
  const refs = localStandIns(template);
  const bundleOf = (fn: SynthesizedFunction, label: string): BenchBundle => {
    const env = Object.fromEntries(
      Object.entries(fn.environment).map(([name, value]) => [name, resolveIntrinsics(value, refs)]),
    );
    const [file] = fn.handler.split('.');
    return { label, file: join(outdir, fn.assetPath, `${file}.mjs`), env, sdkBundled: true };
  };
  const refresher = bundleOf(refresherFunction(functions), 'refresher (synthesized)');
  // Each set has its own reader; the bench measures the first configured set's.
  const [firstSet] = stack.broker.credentialNames as [string];
  const reader = bundleOf(readerFunction(functions, firstSet), 'reader (synthesized)');

  const bundles = join(outdir, 'bench-bundles');
  const emptyEntry = join(bundles, 'empty-handler.mjs');
  mkdirSync(bundles, { recursive: true });
  writeFileSync(emptyEntry, 'export const handler = async () => ({ ok: true });\n');
  const handlers = join(PROJECT_ROOT, 'lambda', 'handlers');
  const [emptyFile, naiveRefresherFile, naiveReaderFile, sdkExternalFile] = await Promise.all([
    bundleLikeAssets(emptyEntry, join(bundles, 'empty'), []),
    bundleNaively(join(handlers, 'refresh.ts'), join(bundles, 'naive-refresher')),
    bundleNaively(join(handlers, 'read.ts'), join(bundles, 'naive-reader')),
    bundleLikeAssets(join(handlers, 'read.ts'), join(bundles, 'reader-sdk-external'), ['@aws-sdk/*']),
  ]);
  return {
    outdir,
    synthSeconds,
    refresher,
    reader,
    emptyFloor: { label: 'empty handler (floor)', file: emptyFile, env: reader.env, sdkBundled: true },
    naiveRefresher: {
      ...refresher,
      label: 'refresher, naive build',
      file: naiveRefresherFile,
      sdkBundled: false,
    },
    naiveReader: { ...reader, label: 'reader, naive build', file: naiveReaderFile, sdkBundled: false },
    readerSdkExternal: {
      ...reader,
      label: 'reader, SDK left to the runtime',
      file: sdkExternalFile,
      sdkBundled: false,
    },
  };
}

/**
 * Builds with the settings of the prebuilt assets (tools/build-lambda-assets.ts); `external`
 * decides what stays out.
 */
async function bundleLikeAssets(entry: string, dir: string, external: string[]): Promise<string> {
  const outfile = join(dir, 'index.mjs');
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    sourcemap: false,
    entryPoints: [entry],
    outfile,
    external,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * What a project without bundling care ships: own code bundled but unminified, and every
 * package (AWS SDK, Powertools, middy) left to be loaded file by file from node_modules.
 */
async function bundleNaively(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * A local value for every resource the functions' environments reference: the table
 * becomes {@link BENCH_TABLE}, functions a name, secrets an ARN. Nothing is ever called
 * but the table: the reader only invokes the refresher when it has no token to serve.
 */
function localStandIns(template: Template): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::DynamoDB::Table') refs[logicalId] = BENCH_TABLE;
    else if (resource.Type === 'AWS::Lambda::Function') refs[logicalId] = `bench-${logicalId.toLowerCase()}`;
    else if (resource.Type === 'AWS::SecretsManager::Secret')
      refs[logicalId] = `arn:aws:secretsmanager:us-east-1:111122223333:secret:${logicalId}`;
    else refs[logicalId] = `bench-${logicalId}`;
  }
  return refs;
}
