/**
 * Issue #12 item 6, the outside consumer: the package is built and `npm pack`ed (the
 * tarball is the unit under test), then installed, offline, into fresh projects under the
 * system's temporary folder that know nothing of this repository:
 *
 * - a CDK project (tarball + aws-cdk-lib + constructs + @types/node): a TypeScript app with
 *   a TokenBroker and a consumer function wired by `broker.connectLambda`, run by tsx (a)
 *   and compiled by tsc under a strict consumer tsconfig, then run by plain node (b); the
 *   client's types alone compile with no error under the same settings (b, client);
 * - a client-only project (the tarball alone): a plain ESM script (c), a CommonJS script
 *   (d) and an esbuild-bundled consumer Lambda (e) get a token from the local broker
 *   (`npm start`), and the install holds no aws-cdk-lib nor constructs and stays small (f).
 *
 * Consumers run on Node >= 22 (the package's engines; `require()` of ESM): this process's
 * Node, or the Node 24 under ~/.node24 when this one is older (consumer-project.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESHER_CONFIG_FILE, TOKEN_BROKER_ENV } from '../../contract/index.js';
import { builtAssetFiles, REQUIRED_FILES, releaseProblems } from '../../tools/release-check.js';
import { type BrokerRun, startBroker } from '../integration/local-broker-run.js';
import {
  consumerEnv,
  consumerNode,
  installOffline,
  megabytes,
  mustRun,
  parseTscOutput,
  REPO_ROOT,
  type RunResult,
  removeTree,
  run,
  stageRepository,
  treeDigest,
  treeSize,
  writeConsumerProject,
  writeJson,
  writeText,
} from './consumer-project.js';

const PACKAGE = 'a55-token-broker';
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The budget for a service that installs the package for its client. */
const CLIENT_INSTALL_LIMIT_BYTES = 20_000_000;

/** The consumer's CDK app, written as `cdk init app --language typescript` users write theirs. */
const CDK_APP = `import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TokenBroker } from '${PACKAGE}/lib';

const outdir = process.argv[2];
if (outdir === undefined) throw new Error('usage: app <outdir>');

const app = new App({ outdir });
const stack = new Stack(app, 'ConsumerStack');
const broker = new TokenBroker(stack, 'Broker', { credentials: [{ name: 'production' }] });
const consumer = new lambda.Function(stack, 'Consumer', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => "consumer";'),
});
broker.connectLambda(consumer, { credential: 'production' });
app.synth();
`;

/** A service using the client's API, for the strict type check. */
const CLIENT_SERVICE = `import {
  A55Client,
  type BrokerToken,
  readEnvironment,
  TokenBrokerClient,
  TokenBrokerError,
  TokenUnavailable,
} from '${PACKAGE}/client';

const target = readEnvironment(process.env);
const broker = new TokenBrokerClient({ url: target.url ?? 'http://127.0.0.1:8787', credential: 'default' });
export const a55 = new A55Client({ broker, timeoutMs: 10_000 });

export async function token(signal?: AbortSignal): Promise<BrokerToken | undefined> {
  try {
    return await broker.getTokenDetails(signal === undefined ? {} : { signal });
  } catch (error) {
    if (error instanceof TokenUnavailable) return undefined;
    if (error instanceof TokenBrokerError) throw new Error(\`broker: \${error.name}\`, { cause: error });
    throw error;
  }
}
`;

/** Strict consumer settings (issue #12 item 1): nothing of ours may need them relaxed. */
const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noPropertyAccessFromIndexSignature: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    skipLibCheck: false,
    outDir: 'build',
    rootDir: '.',
  },
  include: ['bin'],
};

/**
 * Checks a token without printing it: `ok <expiresIn>` when `getToken()` gave a string
 * and `getTokenDetails()` the same token with the view's shape, else what was wrong.
 */
const DESCRIBE_TOKEN = `function describeToken(token, details) {
  const shaped =
    typeof token === 'string' && token.length > 0 && details.accessToken === token &&
    details.tokenType === 'Bearer' && details.credential === 'default' &&
    Number.isInteger(details.expiresIn) && details.expiresIn > 0;
  return shaped ? 'ok ' + details.expiresIn : 'not a token: ' + JSON.stringify(Object.keys(details ?? {}));
}`;

const CLIENT_ESM = `import { TokenBrokerClient } from '${PACKAGE}/client';
${DESCRIBE_TOKEN}
const client = new TokenBrokerClient({ url: process.env.BROKER_URL, credential: 'default' });
console.log(describeToken(await client.getToken(), await client.getTokenDetails()));
`;

const CLIENT_CJS = `'use strict';
const { TokenBrokerClient } = require('${PACKAGE}/client');
${DESCRIBE_TOKEN}
async function main() {
  const client = new TokenBrokerClient({ url: process.env.BROKER_URL, credential: 'default' });
  console.log(describeToken(await client.getToken(), await client.getTokenDetails()));
}
main().catch((error) => {
  console.error(error.name + ': ' + error.message);
  process.exitCode = 1;
});
`;

/** A consumer Lambda as connectLambda/connectContainer wire it: no options, the environment says where. */
const CONSUMER_HANDLER = `import { TokenBrokerClient } from '${PACKAGE}/client';
${DESCRIBE_TOKEN}
const broker = new TokenBrokerClient();
export const handler = async () => describeToken(await broker.getToken(), await broker.getTokenDetails());
`;

const INVOKE_HANDLER = `import { handler } from './index.mjs';
console.log(await handler({}, { functionName: 'consumer', awsRequestId: 'outside-consumer-test' }));
`;

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

/** `ok <seconds>` and nothing else, never the token. */
const OK_LINE = /^ok \d+\n$/;

describe('Outside consumer: the packed tarball installed into fresh projects', () => {
  const node = consumerNode();
  let root: string;
  let tarball: string;
  let packed: string[];
  /** The repository copy that was built and packed. */
  let staged: string;
  let cdkProject: string;
  let clientProject: string;
  let broker: BrokerRun | undefined;
  let brokerUrl: string;
  /** The broker's current token: no consumer output may contain it. */
  let liveToken: string;
  /** `v24.x.y`: the consumers' Node, for the log. */
  let nodeVersion: string;
  /**
   * tsc on the CDK app, then on the client service (--listFiles), started as soon as the
   * project is installed so they overlap the tsx synth: type-checking aws-cdk-lib's
   * declarations is the longest step of the file.
   */
  let appCompile: Promise<RunResult>;
  let clientCompile: Promise<RunResult>;

  beforeAll(async () => {
    nodeVersion = (await mustRun(node, ['--version'], { cwd: tmpdir() })).stdout.trim();
    root = mkdtempSync(join(tmpdir(), 'a55-consumer-'));
    staged = join(root, 'package');
    cdkProject = join(root, 'cdk-app');
    clientProject = join(root, 'service');

    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const startingBroker = (async () => {
      broker = startBroker(['--port', '0', '--json']);
      const ready = await broker.waitFor((line) => line.event === 'ready', 120_000);
      await broker.waitFor((line) => line.event === 'refreshed' && line.credential === 'default', 60_000);
      phase('broker serving');
      return ready.readerUrl as string;
    })();

    const packing = (async () => {
      stageRepository(staged);
      const toolchain = { cwd: staged, env: { ...process.env }, timeoutMs: 240_000 };
      // `npm run build` without its type check (the suite's own job): the emitted dist/ and
      // the prebuilt Lambda assets, built independently, so at the same time.
      await Promise.all([
        mustRun(process.execPath, [TSC, '-p', 'tsconfig.build.json'], toolchain),
        mustRun(process.execPath, ['--import', 'tsx', 'tools/build-lambda-assets.ts'], toolchain),
      ]);
      phase('built');
      const pack = await mustRun(
        'npm',
        ['pack', '--pack-destination', root, '--ignore-scripts', '--json', '--loglevel=error'],
        toolchain,
      );
      const [report] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
      tarball = join(root, report.filename);
      packed = report.files.map((file) => file.path);
      writeConsumerProject(cdkProject, tarball, ['aws-cdk-lib', 'constructs', '@types/node']);
      writeConsumerProject(clientProject, tarball, []);
      phase('packed');
      await Promise.all([installOffline(cdkProject), installOffline(clientProject)]);
      phase('installed');
    })();

    [brokerUrl] = await Promise.all([startingBroker, packing]);
    console.log(`outside consumer setup, since start: ${phases.join(', ')}`);
    const view = (await (await fetch(`${brokerUrl}/token?credential=default`)).json()) as {
      accessToken: string;
    };
    liveToken = view.accessToken;
    expect(liveToken.length).toBeGreaterThan(10);

    writeText(join(cdkProject, 'bin', 'app.ts'), CDK_APP);
    writeJson(join(cdkProject, 'tsconfig.json'), STRICT_TSCONFIG);
    writeText(join(cdkProject, 'svc', 'service.ts'), CLIENT_SERVICE);
    writeJson(join(cdkProject, 'tsconfig.client.json'), {
      extends: './tsconfig.json',
      compilerOptions: { noEmit: true },
      include: ['svc'],
    });
    writeText(join(clientProject, 'client.mjs'), CLIENT_ESM);
    writeText(join(clientProject, 'client.cjs'), CLIENT_CJS);
    writeText(join(clientProject, 'lambda-src', 'handler.mjs'), CONSUMER_HANDLER);
    const tsc = (project: string) =>
      run(node, [TSC, '-p', project, '--listFiles'], { cwd: cdkProject, timeoutMs: 240_000 });
    appCompile = tsc('tsconfig.json');
    clientCompile = appCompile.then(() => tsc('tsconfig.client.json'));
  }, 360_000);

  afterAll(async () => {
    if (broker && broker.child.exitCode === null) {
      broker.child.kill('SIGTERM');
      const stopped = await Promise.race([
        broker.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      if (!stopped) broker.child.kill('SIGKILL');
    }
    if (root) await removeTree(root);
  }, 120_000);

  /** Synthesizes the CDK project's app with `args` and checks the cloud assembly in `outdir`. */
  async function synthesizeAndCheck(args: readonly string[], outdir: string): Promise<void> {
    const result = await run(node, [...args, outdir], { cwd: cdkProject, timeoutMs: 120_000 });
    expect(result.code, `synth failed:\n${result.stderr}\n${result.stdout}`).toBe(0);

    const template = JSON.parse(
      readFileSync(join(outdir, 'ConsumerStack.template.json'), 'utf8'),
    ) as Template;
    const resources = Object.entries(template.Resources);
    const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
    const variables = (resource: Resource) =>
      (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {};

    // The broker's table, and the consumer wired by connectLambda: where to ask, for which set.
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    const consumers = ofType('AWS::Lambda::Function').filter(
      ([, fn]) => TOKEN_BROKER_ENV.functionName in variables(fn),
    );
    expect(consumers).toHaveLength(1);
    const [[, consumer]] = consumers as [[string, Resource]];
    expect(variables(consumer)).toMatchObject({
      // The granted set's own reader, by ARN (one reader per credential set).
      [TOKEN_BROKER_ENV.functionName]: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      [TOKEN_BROKER_ENV.credential]: 'production',
    });
    const [readerId] = (
      variables(consumer)[TOKEN_BROKER_ENV.functionName] as { 'Fn::GetAtt': [string, string] }
    )['Fn::GetAtt'];
    const reader = template.Resources[readerId];
    expect(reader?.Type).toBe('AWS::Lambda::Function');

    // ... and the right to call that reader, on the consumer's role.
    const role = consumer.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const consumerRole = role?.['Fn::GetAtt']?.[0];
    expect(consumerRole, `consumer role: ${JSON.stringify(role)}`).toBeDefined();
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        JSON.stringify(policy.Properties?.Roles).includes(JSON.stringify({ Ref: consumerRole })),
      )
      .flatMap(([, policy]) => {
        const document = policy.Properties?.PolicyDocument as
          | { Statement?: Record<string, unknown>[] }
          | undefined;
        return document?.Statement ?? [];
      });
    const invoke = statements.filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        ([] as unknown[]).concat(statement.Action).includes('lambda:InvokeFunction') &&
        JSON.stringify(statement.Resource).includes(JSON.stringify({ 'Fn::GetAtt': [readerId, 'Arn'] })),
    );
    expect(invoke, JSON.stringify(statements, null, 2)).toHaveLength(1);

    // No bundling at synth: no esbuild to run, no bundling folder, and the code each broker
    // function deploys is, byte for byte, the tarball's prebuilt asset.
    expect(existsSync(join(cdkProject, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(cdkProject, 'node_modules', '@esbuild'))).toBe(false);
    expect(readdirSync(outdir).filter((entry) => entry.startsWith('bundling-temp-'))).toEqual([]);
    // An asset is a folder (index.mjs and the chunks it imports): compare whole folders.
    const deployedCode = (fn: Resource | undefined): string | undefined => {
      const key = (fn?.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
      if (typeof key !== 'string' || !key.endsWith('.zip')) return undefined;
      const dir = join(outdir, `asset.${key.slice(0, -'.zip'.length)}`);
      return existsSync(join(dir, 'index.mjs')) ? dir : undefined;
    };
    const shipped = join(cdkProject, 'node_modules', PACKAGE, 'dist', 'lambda-assets');
    const tested = {
      reader: treeDigest(join(shipped, 'reader')),
      refresher: treeDigest(join(shipped, 'refresher')),
    };
    expect(tested.reader, 'the shipped reader asset has chunks').toMatch(/^chunks\//m);
    const readerCode = deployedCode(reader);
    expect(
      readerCode,
      `the reader deploys no index.mjs: ${JSON.stringify(reader?.Properties?.Code)}`,
    ).toBeDefined();
    expect(treeDigest(readerCode as string)).toBe(tested.reader);
    // The refresher's folder is the shipped one plus the sets synth wrote (refresher-config.json).
    const withoutConfig = (dir: string) =>
      treeDigest(dir)
        .split('\n')
        .filter((line) => !line.startsWith(`${REFRESHER_CONFIG_FILE} `))
        .join('\n');
    const refresherCode = ofType('AWS::Lambda::Function')
      .map(([, fn]) => deployedCode(fn))
      .filter((dir): dir is string => dir !== undefined && withoutConfig(dir) === tested.refresher);
    expect(refresherCode.length, 'no function deploys the prebuilt refresher').toBeGreaterThan(0);
    for (const dir of refresherCode) {
      const config = JSON.parse(readFileSync(join(dir, REFRESHER_CONFIG_FILE), 'utf8')) as {
        credentials: { name: string }[];
      };
      expect(config.credentials.map((entry) => entry.name)).toEqual(['production']);
    }
  }

  it('packs what a release needs and nothing it must not ship (release-check)', () => {
    expect(releaseProblems(packed, [...REQUIRED_FILES, ...builtAssetFiles(staged)])).toEqual([]);
  });

  it('(a) a TypeScript CDK app run by tsx synthesizes a TokenBroker and a consumer wired by connectLambda, without bundling', async () => {
    await synthesizeAndCheck(['--import', TSX_LOADER, 'bin/app.ts'], join(cdkProject, 'cdk.out.tsx'));
  }, 120_000);

  it('(b) the same app compiles with tsc under strict consumer settings and synthesizes under plain node', async () => {
    const compiled = parseTscOutput((await appCompile).stdout);
    expect(compiled.files.some((file) => file.endsWith(`node_modules/${PACKAGE}/dist/lib/index.d.ts`))).toBe(
      true,
    );
    // aws-cdk-lib's own declarations do not pass exactOptionalPropertyTypes (a class whose
    // optional property implements a required one): not ours, tolerated. Any other error is.
    const cdkOwn = compiled.errors.filter(({ file }) => file.startsWith('node_modules/aws-cdk-lib/'));
    const ours = compiled.errors.filter(({ file }) => !file.startsWith('node_modules/aws-cdk-lib/'));
    // Soft: a type error and a failing synth are two findings, both worth seeing in one run.
    expect.soft(ours.map(({ text }) => text).join('\n'), 'tsc errors outside aws-cdk-lib').toBe('');
    console.log(
      `(b) tsc: ${ours.length} errors in ${PACKAGE} or the app; aws-cdk-lib's own declarations: ${cdkOwn.length} ` +
        'under exactOptionalPropertyTypes with skipLibCheck false (tolerated)',
    );
    expect(existsSync(join(cdkProject, 'build', 'bin', 'app.js'))).toBe(true);
    await synthesizeAndCheck(['build/bin/app.js'], join(cdkProject, 'cdk.out.node'));
  }, 300_000);

  it('(b) the client types compile with no error at all under the same strict settings, skipLibCheck false', async () => {
    const result = await clientCompile;
    const compiled = parseTscOutput(result.stdout);
    expect(compiled.errors.map(({ text }) => text).join('\n'), result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(
      compiled.files.some((file) => file.endsWith(`node_modules/${PACKAGE}/dist/client/index.d.ts`)),
    ).toBe(true);
  }, 240_000);

  /** Runs a consumer script of the client project and checks it printed `ok <n>` only. */
  async function expectToken(args: readonly string[], cwd: string, env: Record<string, string>) {
    const result = await run(node, args, { cwd, env: consumerEnv(env), timeoutMs: 60_000 });
    expect(result.stdout + result.stderr).not.toContain(liveToken);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(OK_LINE);
    return result.stdout.trim();
  }

  it('(c) a plain Node ESM script imports the client and gets a token from the local broker', async () => {
    const line = await expectToken(['client.mjs'], clientProject, { BROKER_URL: brokerUrl });
    console.log(`(c) ESM client on Node ${nodeVersion}: ${line}`);
  });

  it('(d) a CommonJS script require()s the client (Node >= 22) and gets a token', async () => {
    const line = await expectToken(['client.cjs'], clientProject, { BROKER_URL: brokerUrl });
    console.log(`(d) CommonJS client on Node ${nodeVersion}: ${line}`);
  });

  it('(e) an esbuild-bundled consumer Lambda gets a token through the environment connectLambda sets', async () => {
    const out = join(root, 'consumer-lambda');
    const bundled = await build({
      entryPoints: [join(clientProject, 'lambda-src', 'handler.mjs')],
      outfile: join(out, 'index.mjs'),
      absWorkingDir: clientProject,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      // As NodejsFunction users bundle to ESM: bundled CommonJS dependencies get a `require`.
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      metafile: true,
      logLevel: 'silent',
    });
    const external = Object.values(bundled.metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((imported) => imported.external && !imported.path.startsWith('node:'))
      .map((imported) => imported.path);
    expect(external.filter((path) => path.startsWith(PACKAGE) || path.startsWith('@aws-sdk/'))).toEqual([]);
    writeText(join(out, 'invoke.mjs'), INVOKE_HANDLER);
    // Run where no node_modules is in reach: the bundle holds the client and the SDK.
    const line = await expectToken(['invoke.mjs'], out, {
      [TOKEN_BROKER_ENV.url]: brokerUrl,
      [TOKEN_BROKER_ENV.credential]: 'default',
    });
    console.log(`(e) bundled consumer Lambda (${megabytes(statSync(join(out, 'index.mjs')).size)}): ${line}`);
  });

  it('(f) the client-only install holds no aws-cdk-lib nor constructs, and its node_modules is under 20 MB', () => {
    const modules = join(clientProject, 'node_modules');
    for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild']) {
      expect(existsSync(join(modules, name)), `${name} installed`).toBe(false);
    }
    const total = treeSize(modules);
    const top = readdirSync(modules)
      .filter((entry) => !entry.startsWith('.'))
      .map((entry) => ({ entry, bytes: treeSize(join(modules, entry)).bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 4)
      .map(({ entry, bytes }) => `${entry} ${megabytes(bytes)}`);
    const assets = treeSize(join(modules, PACKAGE, 'dist', 'lambda-assets')).bytes;
    console.log(
      `(f) client-only install: node_modules ${megabytes(total.bytes)} (${total.bytes} bytes in ${total.files} files; ` +
        `${megabytes(total.diskBytes)} on disk, as du counts blocks); largest: ${top.join(', ')}; ` +
        `of ${PACKAGE}, dist/lambda-assets ${megabytes(assets)}`,
    );
    expect(total.bytes).toBeLessThan(CLIENT_INSTALL_LIMIT_BYTES);
  });
});
