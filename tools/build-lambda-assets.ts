/**
 * Bundles each broker handler once into `dist/lambda-assets/<name>/` (lib/lambda-assets.ts):
 * esbuild, ESM, minified, with linked source maps, and with every dependency inside
 * (`index.mjs` and the chunks it imports, under `chunks/`),
 * the AWS SDK v3 included, at the version in package-lock.json. The Lambda runtime's own
 * SDK changes month by month; bundling it means the deployed code is the tested code,
 * and it loads faster (bench: reader module init). Run by `npm run build` and by the
 * test setup, so tests and bench always use the files that deploy.
 *
 * Usage: `tsx tools/build-lambda-assets.ts [outDir]`.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { LAMBDA_ASSETS, LAMBDA_ASSETS_DIR, type LambdaAssetName, packageRoot } from '../lib/lambda-assets.js';
import { lambdaEnvironmentCredentials } from './lambda-environment-credentials.js';
import { nodeBuiltinsViaRequire } from './node-builtins-via-require.js';

/**
 * esbuild settings shared by the assets and the bench's variants. ESM for top-level
 * await; the banner gives bundled CommonJS dependencies, and the Node built-ins, a
 * `require` ({@link nodeBuiltinsViaRequire}: importing built-ins as ESM costs the reader
 * about a third of its module init). The SDK clients take credentials from the environment,
 * as Lambda sets them ({@link lambdaEnvironmentCredentials}: the default chain's SSO and STS
 * clients would add to every cold start).
 */
export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: 'linked',
  // Maps for stack traces (NODE_OPTIONS=--enable-source-maps), without a copy of the sources (less than half the size).
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  legalComments: 'none',
  plugins: [nodeBuiltinsViaRequire, lambdaEnvironmentCredentials],
  // Code reached only through a dynamic import() (the SDK's credential providers other than
  // the environment's: SSO, STS, INI files, container and instance metadata) goes into
  // chunks/ and is loaded only if used; in Lambda it never is. Needs `outdir`.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  entryNames: '[name]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** What one asset build wrote. */
export interface BuiltAsset {
  readonly name: LambdaAssetName;
  readonly file: string;
  readonly bytes: number;
}

/** Builds every asset into `outDir` (default: the package's dist/lambda-assets). */
export async function buildLambdaAssets(
  outDir = join(packageRoot(), LAMBDA_ASSETS_DIR),
): Promise<BuiltAsset[]> {
  const root = packageRoot();
  const built: BuiltAsset[] = [];
  for (const [name, asset] of Object.entries(LAMBDA_ASSETS) as [
    LambdaAssetName,
    (typeof LAMBDA_ASSETS)[LambdaAssetName],
  ][]) {
    const dir = join(outDir, asset.folder);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'index.mjs');
    await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      entryPoints: { index: join(root, asset.entry) },
      outdir: dir,
      absWorkingDir: root,
    });
    // Lambda reads `type` from the nearest package.json; .mjs is ESM regardless, this keeps tools agreeing.
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    built.push({ name, file, bytes: (await stat(file)).size });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildLambdaAssets(process.argv[2]);
  for (const { name, file, bytes } of built)
    console.log(`lambda asset ${name}: ${file} (${(bytes / 1024).toFixed(1)} KiB)`);
}
