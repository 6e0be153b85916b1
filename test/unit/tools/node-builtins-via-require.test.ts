/**
 * The Lambda assets' esbuild plugin (tools/node-builtins-via-require.ts), tested on what
 * it builds: every import form of a built-in still works in the bundle, and loading the
 * bundle does not run the lazy getters an ESM import of a built-in would (Node's
 * internal undici behind `node:http`, WebCrypto behind `node:crypto`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_OPTIONS } from '../../../tools/build-lambda-assets.js';

const ENTRY = `
import https, { Agent as HttpsAgent, request } from 'node:https';
import * as http from 'http';
import { createHash } from 'node:crypto';
import { env } from 'node:process';
const loaded = () => process.moduleLoadList.filter((m) => /undici|webcrypto|internal\\/report/.test(m));
const before = loaded();
const agent = new HttpsAgent({ keepAlive: true });
console.log(JSON.stringify({
  before,
  defaultHasAgent: https.Agent === HttpsAgent,
  agentIsAgent: agent instanceof https.Agent,
  requestIsFunction: typeof request === 'function' && request === https.request,
  namespaceServer: typeof http.createServer === 'function',
  hash: createHash('sha256').update('a55').digest('hex').slice(0, 8),
  envSeen: env.PROBE,
}));
`;

describe('Node built-ins in the Lambda assets', () => {
  let dir: string;
  let output: {
    before: string[];
    defaultHasAgent: boolean;
    agentIsAgent: boolean;
    requestIsFunction: boolean;
    namespaceServer: boolean;
    hash: string;
    envSeen: string;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'builtins-plugin-'));
    writeFileSync(join(dir, 'entry.mjs'), ENTRY);
    await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      sourcemap: false,
      entryPoints: { out: join(dir, 'entry.mjs') },
      outdir: dir,
      logLevel: 'silent',
    });
    const stdout = execFileSync(process.execPath, [join(dir, 'out.mjs')], {
      env: { PATH: process.env.PATH ?? '', PROBE: 'seen' },
      encoding: 'utf8',
    });
    output = JSON.parse(stdout);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps default, named and namespace imports working', () => {
    expect(output.defaultHasAgent).toBe(true);
    expect(output.agentIsAgent).toBe(true);
    expect(output.requestIsFunction).toBe(true);
    expect(output.namespaceServer).toBe(true);
    expect(output.hash).toBe('ab1c5a03');
    expect(output.envSeen).toBe('seen');
  });

  it('loads no undici, WebCrypto or diagnostic report while the bundle loads', () => {
    expect(output.before).toEqual([]);
  });

  it('is what the assets build with', () => {
    expect(LAMBDA_BUNDLE_OPTIONS.plugins.map((plugin) => plugin.name)).toContain('node-builtins-via-require');
  });
});
