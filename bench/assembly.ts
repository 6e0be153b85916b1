/**
 * The artefacts the cold-start and read-path benchmarks measure: the refresher and reader
 * assets exactly as `cdk synth` copies them from dist/lambda-assets (AWS SDK inside; with
 * the environment their template gives them), plus the comparison builds: an empty
 * handler bundled the same way, and the reader built as CDK's `NodejsFunction` builds it
 * by default (esbuild CommonJS, unminified, `@aws-sdk/*` and `@smithy/*` left to the
 * runtime, target the runtime's Node version).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createBrokerApp } from '../lib/broker-app.js';
import { buildLambdaAssets, LAMBDA_BUNDLE_OPTIONS } from '../tools/build-lambda-assets.js';
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
  /** Where the SDK comes from, when not bundled and not the runtime's: for the table. */
  readonly sdkNote?: string;
}

/** `LAMBDA_NODEJS_SDK_V3_EXCLUDE_SMITHY_PACKAGES` (in cdk.json's recommended flags): both stay out. */
const NODEJS_FUNCTION_EXTERNALS = ['@aws-sdk/*', '@smithy/*'];

/** Everything measured, built once per run. */
export interface BenchAssembly {
  /** Temporary folder under the project (so external packages resolve from its node_modules). */
  readonly outdir: string;
  readonly synthSeconds: number;
  readonly refresher: BenchBundle;
  readonly reader: BenchBundle;
  readonly emptyHandler: BenchBundle;
  /** The reader as `NodejsFunction` bundles it by default; the SDK comes from the runtime's NODE_PATH. */
  readonly readerNodejsFunction: BenchBundle;
  /**
   * The reader built naively (issue #12's comparator): own code bundled as ESM, unminified,
   * every package (SDK, Powertools, middy) loaded file by file from a shipped node_modules.
   */
  readonly readerNaive: BenchBundle;
  /** The synthesized template, for counting what the broker costs each month. */
  readonly template: Template;
  /** Credential sets the app configures. */
  readonly credentialSets: number;
}

/**
 * Builds dist/lambda-assets from the current source (as `npm run build` and the test setup
 * do, so a clean clone benchmarks what it would deploy), synthesizes the app as configured
 * in cdk.json and builds the comparison bundles.
 */
export async function buildAssembly(): Promise<BenchAssembly> {
  await buildLambdaAssets();
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
  const [emptyFile, nodejsFunctionFile, naiveFile] = await Promise.all([
    bundleLikeAssets(emptyEntry, join(bundles, 'empty')),
    bundleLikeNodejsFunction(join(handlers, 'read.ts'), join(bundles, 'reader-nodejs-function')),
    bundleNaively(join(handlers, 'read.ts'), join(bundles, 'reader-naive')),
  ]);
  return {
    outdir,
    synthSeconds,
    refresher,
    reader,
    emptyHandler: { label: 'empty handler', file: emptyFile, env: reader.env, sdkBundled: true },
    readerNodejsFunction: {
      ...reader,
      label: 'reader, CDK NodejsFunction defaults',
      file: nodejsFunctionFile,
      sdkBundled: false,
    },
    readerNaive: {
      ...reader,
      label: 'reader, naive build (packages from node_modules)',
      file: naiveFile,
      sdkBundled: false,
      sdkNote: 'shipped node_modules',
    },
    template,
    credentialSets: stack.broker.credentialNames.length,
  };
}

/** Builds with the settings of the prebuilt assets (tools/build-lambda-assets.ts). */
async function bundleLikeAssets(entry: string, dir: string): Promise<string> {
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    sourcemap: false,
    entryPoints: { index: entry },
    outdir: dir,
    logLevel: 'silent',
  });
  return join(dir, 'index.mjs');
}

/**
 * What `new NodejsFunction(this, 'Reader', { runtime: Runtime.NODEJS_24_X, entry })` runs:
 * `esbuild --bundle --target=node24 --platform=node` (CommonJS, esbuild's default for node),
 * no minification, no source map, the runtime's SDK packages external, `index.js`.
 */
async function bundleLikeNodejsFunction(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, 'index.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    external: NODEJS_FUNCTION_EXTERNALS,
    logLevel: 'silent',
  });
  // In Lambda no package.json lies above /var/task, so index.js is CommonJS; here the
  // project's "type": "module" would make it ESM.
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  return outfile;
}

/**
 * What a project without bundling care ships: own code bundled as ESM but unminified, and
 * every package left to be loaded file by file from node_modules (here the project's, as a
 * zip with node_modules would be). The comparator issue #12 set the assets' goal against.
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
    target: 'node24',
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
