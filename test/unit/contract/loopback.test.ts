import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  isLoopbackUrl,
  isSecureOrLoopback,
  tokenUrlProblem,
} from '../../../contract/index.js';

/** DNS names and addresses that look like loopback but would send the request off the host. */
const REMOTE_LOOKALIKES = [
  'http://127.attacker.example/api/v1',
  'http://127.0.0.1.attacker.example/',
  'http://127.0.0.1.nip.io/',
  'http://localhost.attacker.example/',
  'http://attacker.example/127.0.0.1',
  'http://10.0.0.1/',
  'http://128.0.0.1/',
  'http://[::2]/',
  // An IPv4-mapped IPv6 address is not ::1.
  'http://[::ffff:127.0.0.1]/',
];

/** Loopback as the WHATWG URL parser normalizes it. */
const LOOPBACK_URLS = [
  'http://127.0.0.1:8787/token',
  'http://127.255.255.255/',
  'http://127.1/',
  'http://0x7f.0.0.1/',
  'http://LOCALHOST:9000/',
  'http://localhost/',
  'http://[::1]:8080/',
  'http://[0:0:0:0:0:0:0:1]/',
];

describe('Function: isLoopbackHost', () => {
  it.each(['localhost', '[::1]', '127.0.0.1', '127.1.2.3', '127.255.255.255', '127.0.0.0'])(
    'takes %s for a loopback host',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    '127.attacker.example',
    '127.0.0.1.attacker.example',
    'a127.0.0.1',
    '127.0.0.1a',
    '127.0.0.256',
    '127.256.0.1',
    '127.0.999.1',
    '1127.0.0.1',
    '127.0.0',
    'localhost.example',
    'xlocalhost',
    '10.0.0.1',
    '::1',
    '[::2]',
    '',
  ])('takes %j for a remote host', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('Function: isLoopbackUrl', () => {
  it.each(LOOPBACK_URLS)('takes %s for loopback', (url) => {
    expect(isLoopbackUrl(new URL(url))).toBe(true);
  });

  it.each(REMOTE_LOOKALIKES)('takes %s for a remote host', (url) => {
    expect(isLoopbackUrl(new URL(url))).toBe(false);
  });
});

describe('Function: isSecureOrLoopback', () => {
  it.each([
    ['https://core-manager.a55.tech/api/v1', true],
    ['https://127.attacker.example/', true],
    ['http://127.0.0.1:8080/', true],
    ['http://[::1]:8080/', true],
    ['http://localhost/', true],
    ['http://core-manager.a55.tech/api/v1', false],
    ['http://127.attacker.example/api/v1', false],
    ['http://127.0.0.1.attacker.example/', false],
    ['ftp://127.0.0.1/', false],
    ['ws://127.0.0.1/', false],
  ])('%s -> %j', (url, expected) => {
    expect(isSecureOrLoopback(new URL(url))).toBe(expected);
  });
});

describe('Function: tokenUrlProblem (the configuration)', () => {
  it.each(LOOPBACK_URLS)('accepts plain http to %s', (url) => {
    expect(tokenUrlProblem(url)).toBeUndefined();
  });

  it.each(REMOTE_LOOKALIKES)('refuses plain http to %s', (url) => {
    expect(tokenUrlProblem(url)).toMatch(/^must use https/);
  });
});
