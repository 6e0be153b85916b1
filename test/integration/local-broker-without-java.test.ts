/**
 * `npm start` on a machine with Node but no Java: the PATH holds only a link to this
 * node binary and JAVA_HOME is unset. The broker keeps tokens in the in-process store,
 * says so, and serves tokens as it does with DynamoDB Local; `--store dynamodb-local`
 * still refuses to start (local-broker.test.ts, Startup errors).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBrokerClient } from '../../client/index.js';
import { type BrokerRun, startBroker, stopAndCheck } from './local-broker-run.js';

describe('Integration: local broker without Java (npm start)', () => {
  let dir: string;
  let noJava: Record<string, string>;
  const runs: BrokerRun[] = [];
  const start = (args: readonly string[]) => {
    const run = startBroker(args, noJava);
    runs.push(run);
    return run;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'no-java-'));
    symlinkSync(process.execPath, join(dir, 'node'));
    noJava = { PATH: dir, JAVA_HOME: '' };
  });

  afterAll(() => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says in its banner that tokens are kept in this process, and serves one over HTTP', async () => {
    // Prepare
    const run = start(['--port', '0']);

    // Act
    await expect.poll(run.stdout, { timeout: 20_000 }).toMatch(/refreshed 'default' \(at start\)/);
    const url = /Reader {7}(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1];
    const response = await fetch(`${url}/token?credential=default`);
    const body = (await response.json()) as { accessToken: string };

    // Assess
    expect(run.stdout()).toContain(
      '  Store        in-process memory (java not found; --store dynamodb-local to require DynamoDB Local)',
    );
    expect(run.stdout()).not.toContain('DynamoDB Local in memory');
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      credential: 'default',
      tokenType: 'Bearer',
      accessToken: expect.any(String),
    });
    expect(run.stdout()).not.toContain(body.accessToken);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });

  it('names the store in the JSON ready line, serves the client library and /status, and stops cleanly', async () => {
    // Prepare
    const run = start(['--port', '0', '--json']);
    const ready = await run.waitFor((line) => line.event === 'ready');
    await run.waitFor((line) => line.event === 'refreshed');
    const url = ready.readerUrl as string;

    // Act
    const token = await new TokenBrokerClient({ url, credential: 'default' }).getTokenDetails();
    const status = (await (await fetch(`${url}/status`)).json()) as unknown;

    // Assess
    expect(ready).toMatchObject({ store: { kind: 'memory', reason: 'java-not-found' } });
    expect(ready).not.toHaveProperty('dynamoDb');
    expect(token.expiresIn).toBeGreaterThan(3000);
    expect(status).toEqual({
      credentials: [expect.objectContaining({ credential: 'default', tokenStored: true, lastError: null })],
    });
    const stopping = await stopAndCheck(run, ready);
    expect(stopping.reason).toBe('SIGTERM');
  });
});
