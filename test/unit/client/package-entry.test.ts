import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { readerError } from '../../../client/errors.js';
import * as client from '../../../client/index.js';
import { READER_ERROR_STATUS } from '../../../contract/reader-errors.js';
import type { TokenView as ContractTokenView } from '../../../contract/token-view.js';
import type { TokenView } from '../../../lambda/core/reader.js';

describe('Module: a55-token-broker/client', () => {
  it('is published by its package subpath from the build of client/index.ts (package.json exports)', () => {
    // Prepare: what tsconfig.build.json emits for client/index.ts
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    const emitted = `./${join(build.compilerOptions.outDir, relative(build.compilerOptions.rootDir, 'client/index'))}`;

    // Act
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };

    // Assess (test/package installs the packed tarball and imports the subpath for real)
    expect(manifest.exports['./client']).toEqual({ types: `${emitted}.d.ts`, default: `${emitted}.js` });
  });

  it('pulls in neither aws-cdk-lib nor the broker code: only the contract and the SDK pieces it needs', async () => {
    // Act
    const result = await build({
      entryPoints: ['client/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });

    // Assess
    const files = Object.keys(result.metafile.inputs);
    expect(files.filter((file) => !file.startsWith('client/') && !file.startsWith('contract/'))).toEqual([]);
    expect(files).toContain('contract/index.ts');
    const packages = new Set(
      Object.values(result.metafile.outputs).flatMap((output) =>
        output.imports.filter((entry) => entry.external).map((entry) => entry.path),
      ),
    );
    expect([...packages].sort()).toEqual([
      '@aws-sdk/client-lambda',
      '@aws-sdk/credential-provider-node',
      '@smithy/signature-v4',
      'node:crypto',
    ]);
  });

  it("returns the reader's success body type as BrokerToken", () => {
    expectTypeOf<client.BrokerToken>().toEqualTypeOf<TokenView>();
    expectTypeOf<client.BrokerToken>().toEqualTypeOf<ContractTokenView>();
  });

  it.each(Object.keys(READER_ERROR_STATUS))("has a typed error for the reader's %s", (name) => {
    // Act
    const error = readerError(name, 'message', { broker: 'function reader' });

    // Assess
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf((client as unknown as Record<string, new () => Error>)[name]);
  });
});
