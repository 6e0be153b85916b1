import { build } from 'esbuild';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { readerError } from '../../../client/errors.js';
import * as client from '../../../client/index.js';
import { READER_ERROR_STATUS } from '../../../contract/reader-errors.js';
import type { TokenView as ContractTokenView } from '../../../contract/token-view.js';
import type { TokenView } from '../../../lambda/core/reader.js';

describe('Module: a55-token-broker/client', () => {
  it('is importable by its package subpath (package.json exports)', async () => {
    // Act
    const byName = await import('a55-token-broker/client');

    // Assess
    expect(byName.TokenBrokerClient).toBe(client.TokenBrokerClient);
    expect(byName.A55Client).toBe(client.A55Client);
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
