/**
 * What the client's other tests left open (issue #16): the environment fallback read as
 * "blank is unset", the empty function name, the system clock, and SHA-256 over buffers
 * that are neither text nor bytes.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClientConfigError, readEnvironment, systemClock, TokenBrokerClient } from '../../../client/index.js';
import { Sha256 } from '../../../client/transports/sha256.js';

describe('Function: readEnvironment', () => {
  it('reads the three variables, trimmed', () => {
    expect(
      readEnvironment({
        TOKEN_BROKER_FUNCTION: ' a55-reader ',
        TOKEN_BROKER_URL: '\thttps://x.example\n',
        TOKEN_BROKER_CREDENTIAL: ' production',
      }),
    ).toStrictEqual({ functionName: 'a55-reader', url: 'https://x.example', credential: 'production' });
  });

  it('leaves out unset variables', () => {
    expect(readEnvironment({})).toStrictEqual({});
  });

  it('leaves out empty and blank variables', () => {
    expect(
      readEnvironment({ TOKEN_BROKER_FUNCTION: '', TOKEN_BROKER_URL: '   ', TOKEN_BROKER_CREDENTIAL: '\n' }),
    ).toStrictEqual({});
  });

  it('leaves out only what is blank', () => {
    expect(
      readEnvironment({ TOKEN_BROKER_URL: 'http://127.0.0.1:8787', TOKEN_BROKER_FUNCTION: ' ' }),
    ).toStrictEqual({
      url: 'http://127.0.0.1:8787',
    });
  });
});

describe('Class: TokenBrokerClient', () => {
  it.each(['', '   '])('refuses the function name %j', (functionName) => {
    expect(() => new TokenBrokerClient({ functionName })).toThrow(
      new ClientConfigError('functionName is empty'),
    );
  });
});

describe('Constant: systemClock', () => {
  it('reads the system time and sleeps on a timer', async () => {
    const before = Date.now();
    const now = systemClock.now();
    const sleep = systemClock.sleep(1);
    expect(sleep).toBeInstanceOf(Promise);
    await sleep;
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('Class: Sha256', () => {
  const hex = async (hash: Sha256) => Buffer.from(await hash.digest()).toString('hex');

  it('hashes the bytes of a view of another element size, not its elements', async () => {
    // Prepare: two 16-bit elements, four bytes
    const words = new Uint16Array([0x0102, 0x0304]);
    const hash = new Sha256();

    // Act
    hash.update(words);

    // Assess
    expect(await hex(hash)).toBe(createHash('sha256').update(Buffer.from(words.buffer)).digest('hex'));
  });

  it('hashes only the bytes a view covers', async () => {
    const bytes = new Uint8Array([9, 1, 2, 3, 9]);
    const hash = new Sha256();
    hash.update(new DataView(bytes.buffer, 1, 3));
    expect(await hex(hash)).toBe(
      createHash('sha256')
        .update(Buffer.from([1, 2, 3]))
        .digest('hex'),
    );
  });

  it('keys an HMAC with an ArrayBuffer secret and starts over on reset', async () => {
    const secret = new TextEncoder().encode('key').buffer;
    const hash = new Sha256(secret);
    hash.update('ignored');
    hash.reset();
    hash.update('data');
    expect(await hex(hash)).toBe(createHmac('sha256', 'key').update('data').digest('hex'));
  });
});
