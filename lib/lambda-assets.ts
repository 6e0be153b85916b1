/**
 * Where the broker's prebuilt Lambda code is. `npm run build` bundles each handler once
 * (tools/build-lambda-assets.ts: esbuild, ESM, minified, the AWS SDK inside) into
 * `dist/lambda-assets/<name>/index.mjs`, which the package ships; the construct deploys
 * those folders as they are, so synth needs neither esbuild, nor TypeScript, nor a lock
 * file, and the code that deploys is the code the integration tests ran.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The broker's two functions: their handler source and their asset folder. */
export const LAMBDA_ASSETS = {
  refresher: { entry: 'lambda/handlers/refresh.ts', folder: 'refresher' },
  reader: { entry: 'lambda/handlers/read.ts', folder: 'reader' },
} as const;

/** One of the broker's functions. */
export type LambdaAssetName = keyof typeof LAMBDA_ASSETS;

/** File and export Lambda calls in every asset folder. */
export const LAMBDA_ASSET_HANDLER = 'index.handler';

/** The assets' folder below the package root. */
export const LAMBDA_ASSETS_DIR = join('dist', 'lambda-assets');

const PACKAGE_NAME = 'a55-token-broker';

/**
 * The root of this package, found from this module's own location whether it runs from
 * the sources (`lib/`) or from the build (`dist/lib/`), in this repository or installed
 * under a consumer's node_modules.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
    dir = parent;
  }
}

/**
 * The asset folder of `name`.
 * @throws Error saying how to build it when it is missing (a clone that has not run `npm run build`).
 */
export function lambdaAssetDir(name: LambdaAssetName): string {
  const dir = join(packageRoot(), LAMBDA_ASSETS_DIR, LAMBDA_ASSETS[name].folder);
  if (!existsSync(join(dir, 'index.mjs'))) {
    throw new Error(
      `the prebuilt ${name} Lambda code is missing at ${dir}: run \`npm run build\` in ${packageRoot()} ` +
        '(a published package ships it; a clone of the repository builds it)',
    );
  }
  return dir;
}

/**
 * A copy of the asset folder of `name` with `files` (name -> text) added beside
 * `index.mjs`, for `Code.fromAsset`: the generated files are then part of the asset's
 * hash, so a change to them deploys new code (and new containers). Nothing is bundled:
 * the prebuilt files are copied as they are. The copy goes into a fresh folder inside
 * `outdir` (the app's cloud assembly), so it lives and goes with the assembly instead of
 * piling up in the system's temporary folder at every synth.
 */
export function stagedLambdaAssetDir(
  name: LambdaAssetName,
  files: Readonly<Record<string, string>>,
  outdir: string,
): string {
  const source = lambdaAssetDir(name);
  mkdirSync(outdir, { recursive: true });
  const staged = mkdtempSync(join(outdir, `.a55-token-broker-${name}-`));
  cpSync(source, staged, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    if (existsSync(join(source, file))) throw new Error(`the ${name} asset already has a file ${file}`);
    writeFileSync(join(staged, file), text);
  }
  return staged;
}

function readName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
