/**
 * `npm run release:check` (tools/release-check.ts): the verdict on a list of packed paths.
 * The real tarball's list is checked in consumer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { builtAssetFiles, REQUIRED_FILES, releaseProblems } from '../../tools/release-check.js';

/** A release with every required file and the sources the package ships for its source maps. */
const COMPLETE = [
  ...REQUIRED_FILES,
  'dist/lib/token-broker.js',
  'dist/lib/token-broker.js.map',
  'dist/lambda-assets/reader/index.mjs.map',
  'dist/lambda-assets/reader/package.json',
  'lib/token-broker.ts',
  'client/index.ts',
  'contract/index.ts',
];

describe('release-check: releaseProblems', () => {
  it('finds nothing wrong with a complete release', () => {
    expect(releaseProblems(COMPLETE)).toEqual([]);
  });

  it('names each required file the tarball misses', () => {
    const files = COMPLETE.filter(
      (file) => file !== 'dist/lambda-assets/reader/index.mjs' && file !== 'LICENSE',
    );
    expect(releaseProblems(files)).toEqual([
      'missing LICENSE',
      'missing dist/lambda-assets/reader/index.mjs',
    ]);
  });

  it('refuses every file of an empty tarball', () => {
    expect(releaseProblems([])).toEqual(REQUIRED_FILES.map((file) => `missing ${file}`));
  });

  it.each([
    'test/unit/client/token-broker-client.test.ts',
    'lib/token-broker.test.ts',
    'dist/client/errors.test.js',
    'bench/run.ts',
    '.ci/run',
    'tools/release-check.ts',
    'local/broker.ts',
    'bin/local-broker.ts',
    'clients/python/pyproject.toml',
    'docs/design.md',
    'cdk.out/manifest.json',
    'node_modules/esbuild/package.json',
  ])('refuses to ship %s', (file) => {
    expect(releaseProblems([...COMPLETE, file])).toEqual([`must not ship ${file}`]);
  });

  it('lists a missing file and a forbidden one together', () => {
    const files = [...COMPLETE.filter((file) => file !== 'CHANGELOG.md'), 'test/setup.ts'];
    expect(releaseProblems(files)).toEqual(['missing CHANGELOG.md', 'must not ship test/setup.ts']);
  });

  it('names a built asset chunk the tarball misses: the function would fail at its first import', () => {
    const built = builtAssetFiles();
    const chunk = built.find((file) => /^dist\/lambda-assets\/reader\/chunks\/.+\.mjs$/.test(file));
    expect(chunk, `no reader chunk among ${built.join(', ')}`).toBeDefined();
    const packed = [...COMPLETE, ...built];
    expect(releaseProblems(packed, [...REQUIRED_FILES, ...built])).toEqual([]);
    expect(
      releaseProblems(
        packed.filter((file) => file !== chunk),
        [...REQUIRED_FILES, ...built],
      ),
    ).toEqual([`missing ${chunk}`]);
  });
});
