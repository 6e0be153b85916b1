/**
 * `npm run release:check`: what `npm pack` would publish, checked before a release. Fails
 * (exit 1) when the tarball holds a test, bench or CI file, or misses a file a user needs:
 * the built library, client and contract with their types, both prebuilt Lambda assets,
 * the README, the LICENSE and the CHANGELOG.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LAMBDA_ASSETS_DIR, packageRoot } from '../lib/lambda-assets.js';

/** Files every release must contain. */
export const REQUIRED_FILES = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/lib/index.js',
  'dist/lib/index.d.ts',
  'dist/client/index.js',
  'dist/client/index.d.ts',
  'dist/contract/index.js',
  'dist/lambda-assets/refresher/index.mjs',
  'dist/lambda-assets/reader/index.mjs',
] as const;

/** Paths that must never ship: tests, benchmarks, CI, dev tooling, local broker, Python client. */
export const FORBIDDEN_PATHS = [
  /^test\//,
  /\.test\.[cm]?[jt]s$/,
  /^bench\//,
  /^\.ci\//,
  /^tools\//,
  /^local\//,
  /^bin\//,
  /^clients\//,
  /^docs\//,
  /^cdk\.out\//,
  /^node_modules\//,
];

/**
 * Every file the build wrote under dist/lambda-assets (posix paths from the package root):
 * an asset is its entry and the chunks it imports, so a release missing any of them
 * deploys a function that fails at its first import.
 */
export function builtAssetFiles(root = packageRoot()): string[] {
  const assets = join(root, LAMBDA_ASSETS_DIR);
  return readdirSync(assets, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * The problems with a list of packed file paths; empty when the release is fine.
 * @param required the files that must be there: {@link REQUIRED_FILES}, and when
 * checking a real build, {@link builtAssetFiles} too.
 */
export function releaseProblems(
  files: readonly string[],
  required: readonly string[] = REQUIRED_FILES,
): string[] {
  const problems = [...new Set(required)]
    .filter((file) => !files.includes(file))
    .map((file) => `missing ${file}`);
  for (const file of files) {
    if (FORBIDDEN_PATHS.some((pattern) => pattern.test(file))) problems.push(`must not ship ${file}`);
  }
  return problems;
}

/** The files `npm pack --dry-run` would put in the tarball. */
export function packedFiles(root = packageRoot()): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [report] = JSON.parse(out) as [{ files: { path: string }[] }];
  return report.files.map((file) => file.path);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = packedFiles();
  const problems = releaseProblems(files, [...REQUIRED_FILES, ...builtAssetFiles()]);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`release:check: ${problem}`);
    process.exit(1);
  }
  console.log(
    `release:check: ${files.length} files, all required ones and every built asset file present, no test, bench or CI file`,
  );
}
