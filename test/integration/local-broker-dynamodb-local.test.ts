/**
 * DynamoDB Local as the local broker (and every integration test) starts it: bound to
 * 127.0.0.1 only, so no other host can reach the tokens it holds. Checked on the listening
 * socket itself (/proc/net/tcp) and by connecting on this machine's other addresses. A
 * guard besides: it lets no web page read its answers (no Access-Control-Allow-Origin;
 * DynamoDB Local 3.3 sends none, whatever its -cors option says).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, findJarDirectory, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { LOOPBACK_LAUNCHER_SOURCE, loopbackLauncherArgs } from '../../local/dynamodb-local-launcher.js';

/** Local addresses of every socket listening on `port`, read from /proc/net/tcp and tcp6. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
      found.push(decodeAddress(local.slice(0, local.indexOf(':'))));
    }
  }
  return found;
}

/** A /proc/net address (little-endian 32-bit words) as text: 0100007F is 127.0.0.1. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const isMappedV4 = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (isMappedV4) return `::ffff:${bytes.slice(12).join('.')}`;
  return bytes.every((byte) => byte === 0) ? '::' : `v6:${hex}`;
}

/** Whether a TCP connection to `host:port` is refused (rather than accepted). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('Integration: DynamoDB Local as the local broker starts it', () => {
  let local: DynamoDbLocal;

  beforeAll(async () => {
    local = await startDynamoDbLocal();
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('starts from the launcher compiled once into node_modules/.cache when the JDK has javac', async () => {
    // Prepare: the java on this machine and the jar, as startDynamoDbLocal finds them.
    const java = realpathSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim());
    const jar = join(findJarDirectory(), 'DynamoDBLocal.jar');
    const hasJavac = existsSync(join(dirname(java), 'javac'));

    // Act
    const args = await loopbackLauncherArgs(java, jar);

    // Assess: with a javac, a class path holding the compiled launcher; else the source file.
    expect(args).toEqual(
      hasJavac
        ? [
            '-cp',
            expect.stringMatching(
              /:.*node_modules\/\.cache\/a55-token-broker\/dynamodb-local-loopback-[0-9a-f]{16}$/,
            ),
            'DynamoDbLocalLoopback',
          ]
        : ['-cp', jar, LOOPBACK_LAUNCHER_SOURCE],
    );
  });

  it('listens on 127.0.0.1 only: its one listening socket is bound to that address', () => {
    expect(listeningAddresses(local.port)).toEqual([expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/)]);
  });

  it("refuses connections on this machine's other addresses", async () => {
    // Prepare
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal)
      .map((address) => address?.address as string);

    // Act
    const outcomes = await Promise.all(others.map(async (host) => [host, await refused(host, local.port)]));

    // Assess: every non-loopback address refuses (with none, the socket check above is the proof).
    expect(outcomes).toEqual(others.map((host) => [host, true]));
    expect(await refused('127.0.0.1', local.port)).toBe(false);
  });

  it('lets no web page read its answers: a cross-origin request gets no Access-Control-Allow-Origin', async () => {
    // Act
    const preflight = await fetch(local.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,authorization',
      },
    });
    const simple = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        origin: 'https://attacker.example',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=PAGE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: '{}',
    });
    await simple.text();

    // Assess
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('Function: startDynamoDbLocal, on a Java that cannot bind it to 127.0.0.1', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'java-without-compiler-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the launcher in source-file mode when no javac sits beside that java', async () => {
    const java = join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\nexec java "$@"\n');
    chmodSync(java, 0o755);
    expect(await loopbackLauncherArgs(java, '/jars/DynamoDBLocal.jar')).toEqual([
      '-cp',
      '/jars/DynamoDBLocal.jar',
      LOOPBACK_LAUNCHER_SOURCE,
    ]);
  });

  it('fails closed with an error that says what to install, rather than listen on every interface', async () => {
    // Prepare: a "java" whose runtime lacks jdk.compiler, like a jlink-ed JRE.
    const java = join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\nexec java --limit-modules java.se,jdk.unsupported "$@"\n');
    chmodSync(java, 0o755);

    // Act
    const outcome = startDynamoDbLocal({ java, startTimeoutMs: 20_000 });

    // Assess
    await expect(outcome).rejects.toThrow(
      /cannot run DynamoDB Local bound to 127\.0\.0\.1: it has no jdk\.compiler module .*use a JDK 17\+/,
    );
  });
});
