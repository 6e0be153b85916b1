/**
 * The layers' import boundaries (docs/design.md, "Parts and layout"), checked on the source
 * text of every TypeScript file: static imports, `export ... from`, `import()` (also in type
 * positions) and `import x = require()`. A rule that fails lists each offending
 * `file:line → specifier`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cycles,
  importsOf,
  named,
  type Rule,
  readRepository,
  type Target,
  violations,
} from './support/import-graph.js';

const under =
  (...folders: string[]) =>
  (path: string) =>
    folders.some((folder) => path.startsWith(`${folder}/`));
const isFile = (target: Target, test: (path: string) => boolean) =>
  target.kind === 'file' && test(target.path);
const isPackage = (target: Target, test: (name: string) => boolean) =>
  target.kind === 'package' && test(target.name);
const AWS_SDK = (name: string) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');
const CDK = (name: string) => ['aws-cdk-lib', 'constructs', 'cdk-nag'].includes(name);
const LAMBDA_RUNTIME = (name: string) =>
  name.startsWith('@middy/') || name.startsWith('@aws-lambda-powertools/');
const isTestFile = (path: string) => path.startsWith('test/') || /\.test\.ts$/.test(path);

/** The boundaries, by the folder they govern. */
const RULES = {
  'contract/ imports nothing outside contract/, no package and no built-in': {
    governs: under('contract'),
    refuses: (target) =>
      isFile(target, under('contract')) ? undefined : `contract depends on nothing: ${named(target)}`,
  },
  'lambda/core/ imports no AWS SDK, CDK, middy or Powertools, nor the outer layers': {
    governs: under('lambda/core'),
    refuses: (target) => {
      if (isPackage(target, (name) => AWS_SDK(name) || CDK(name) || LAMBDA_RUNTIME(name))) {
        return `the core stays free of SDKs and runtimes: ${named(target)}`;
      }
      if (
        isFile(
          target,
          under('lambda/adapters', 'lambda/handlers', 'lambda/middleware', 'lib', 'client', 'local'),
        )
      ) {
        return `the core is imported by outer layers, never the reverse: ${named(target)}`;
      }
      return undefined;
    },
  },
  'client/ imports only client/, contract/, Node built-ins, @aws-sdk/* and @smithy/*': {
    governs: under('client'),
    refuses: (target) => {
      if (target.kind === 'builtin' || isFile(target, under('client', 'contract'))) return undefined;
      if (isPackage(target, AWS_SDK)) return undefined;
      return `consumers install the client without the broker: ${named(target)}`;
    },
  },
  'lambda/adapters/ imports no handler and no middleware': {
    governs: under('lambda/adapters'),
    refuses: (target) =>
      isFile(target, under('lambda/handlers', 'lambda/middleware'))
        ? `adapters serve handlers, never the reverse: ${named(target)}`
        : undefined,
  },
  'lib/ imports nothing from lambda/ (handler entries are referenced by path)': {
    governs: under('lib'),
    refuses: (target) =>
      isFile(target, under('lambda'))
        ? `the construct bundles the Lambda code, it does not run it: ${named(target)}`
        : undefined,
  },
  'nothing outside test/ imports from test/': {
    governs: (file) => !file.startsWith('test/'),
    refuses: (target) =>
      isFile(target, under('test')) ? `test code ships nowhere: ${named(target)}` : undefined,
  },
  'bench/ imports no test file': {
    governs: under('bench'),
    refuses: (target) =>
      isFile(target, isTestFile) ? `benchmarks run without the tests: ${named(target)}` : undefined,
  },
} satisfies Record<string, Rule>;

const { files: FILES, imports: IMPORTS } = readRepository(
  join(dirname(fileURLToPath(import.meta.url)), '..'),
);

describe('Boundaries', () => {
  it('reads the whole tree, resolving relative and self-referencing imports', () => {
    // Guards the rules below against passing on an empty or misread tree.
    expect(FILES.size).toBeGreaterThan(100);
    const targetsOf = (file: string) =>
      IMPORTS.filter((entry) => entry.from === file).map((entry) => named(entry.target));
    expect(targetsOf('contract/index.ts')).toContain('contract/limits.ts');
    expect(targetsOf('client/index.ts')).toContain('contract/index.ts');
    expect(targetsOf('test/unit/client/package-entry.test.ts')).toContain('client/index.ts');
  });

  it('every relative import names a file of the repository', () => {
    const missing = IMPORTS.filter(
      (entry) => entry.target.kind === 'file' && !FILES.has(entry.target.path),
    ).map((entry) => `${entry.from}:${entry.line} → ${entry.specifier}`);
    expect(missing, missing.join('\n')).toEqual([]);
  });

  it.each(Object.entries(RULES))('%s', (_name, rule) => {
    const found = violations(rule, IMPORTS);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('has no import cycle', () => {
    const found = cycles(IMPORTS);
    expect(found, found.join('\n')).toEqual([]);
  });
});

describe('Boundaries: the checker itself', () => {
  // Prepare: one violation of every rule, and the import forms the reader must see or skip.
  const synthetic = new Map([
    [
      'lambda/core/refresh.ts',
      [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import type { Handler } from '../handlers/refresh.js';",
        "// import { ignored } from 'aws-cdk-lib';",
        'const note = "import(\'aws-cdk-lib\')";',
        "export { stateKey } from '../../contract/index.js';",
        "export type Lazy = typeof import('../../lib/token-broker.js');",
        "export const later = () => import('../../client/index.js');",
        "import fs = require('node:fs');",
      ].join('\n'),
    ],
    ['contract/limits.ts', "import { z } from 'zod';\nimport { join } from 'node:path';"],
    ['client/index.ts', "export * from 'a55-token-broker/lib';\nimport * as cdk from 'aws-cdk-lib/aws-iam';"],
    ['lambda/adapters/store.ts', "import { handler } from '../middleware/reader-face.js';"],
    ['lib/broker.ts', "import { A } from '../lambda/core/refresh.js';\nimport type { B } from './part.js';"],
    ['lib/part.ts', "import { broker } from './broker.js';"],
    ['local/runner.ts', "import { gate } from '../test/support/oauth-token-gate.js';"],
    ['bench/run.ts', "import { check } from '../tools/x.test.ts';"],
    ['local/a.ts', "import type { B } from './b.js';"],
    ['local/b.ts', "import { c } from './c.js';"],
    ['local/c.ts', "import { a } from './a.js';"],
  ]);
  const imports = importsOf(synthetic, {
    exists: (path) => synthetic.has(path),
    manifest: { name: 'a55-token-broker', exports: { './lib': { default: './lib/index.ts' } } },
  });

  it('finds static, export-from, type and dynamic imports and require, but not comments or strings', () => {
    expect(
      imports
        .filter((entry) => entry.from === 'lambda/core/refresh.ts')
        .map(({ specifier, line }) => [specifier, line]),
    ).toEqual([
      ['@aws-sdk/client-dynamodb', 1],
      ['../handlers/refresh.js', 2],
      ['../../contract/index.js', 5],
      ['../../lib/token-broker.js', 6],
      ['../../client/index.js', 7],
      ['node:fs', 8],
    ]);
  });

  const core = 'the core is imported by outer layers, never the reverse';
  const consumers = 'consumers install the client without the broker';
  it.each<[keyof typeof RULES, string[]]>([
    [
      'lambda/core/ imports no AWS SDK, CDK, middy or Powertools, nor the outer layers',
      [
        'lambda/core/refresh.ts:1 → @aws-sdk/client-dynamodb (the core stays free of SDKs and runtimes: package @aws-sdk/client-dynamodb)',
        `lambda/core/refresh.ts:2 → ../handlers/refresh.js (${core}: lambda/handlers/refresh.ts)`,
        `lambda/core/refresh.ts:6 → ../../lib/token-broker.js (${core}: lib/token-broker.ts)`,
        `lambda/core/refresh.ts:7 → ../../client/index.js (${core}: client/index.ts)`,
      ],
    ],
    [
      'contract/ imports nothing outside contract/, no package and no built-in',
      [
        'contract/limits.ts:1 → zod (contract depends on nothing: package zod)',
        'contract/limits.ts:2 → node:path (contract depends on nothing: builtin path)',
      ],
    ],
    [
      'client/ imports only client/, contract/, Node built-ins, @aws-sdk/* and @smithy/*',
      [
        `client/index.ts:1 → a55-token-broker/lib (${consumers}: lib/index.ts)`,
        `client/index.ts:2 → aws-cdk-lib/aws-iam (${consumers}: package aws-cdk-lib)`,
      ],
    ],
    [
      'lambda/adapters/ imports no handler and no middleware',
      [
        'lambda/adapters/store.ts:1 → ../middleware/reader-face.js (adapters serve handlers, never the reverse: lambda/middleware/reader-face.ts)',
      ],
    ],
    [
      'lib/ imports nothing from lambda/ (handler entries are referenced by path)',
      [
        'lib/broker.ts:1 → ../lambda/core/refresh.js (the construct bundles the Lambda code, it does not run it: lambda/core/refresh.ts)',
      ],
    ],
    [
      'nothing outside test/ imports from test/',
      [
        'local/runner.ts:1 → ../test/support/oauth-token-gate.js (test code ships nowhere: test/support/oauth-token-gate.ts)',
      ],
    ],
    [
      'bench/ imports no test file',
      ['bench/run.ts:1 → ../tools/x.test.ts (benchmarks run without the tests: tools/x.test.ts)'],
    ],
  ])('catches a violation of: %s', (rule, expected) => {
    expect(violations(RULES[rule], imports)).toEqual(expected);
  });

  it('reports each cycle once, as the path that closes it, type-only imports included', () => {
    expect(cycles(imports)).toEqual([
      'lib/broker.ts → lib/part.ts → lib/broker.ts',
      'local/a.ts → local/b.ts → local/c.ts → local/a.ts',
    ]);
  });
});
