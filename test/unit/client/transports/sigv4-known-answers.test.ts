/**
 * The client's SigV4 signer against answers computed once by an independent implementation
 * (botocore, sigv4-known-answers.py beside this file): the exact headers, not only their
 * shape, for the requests the URL transport signs.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AwsCredentials,
  encodeRfc3986,
  SigV4Signer,
} from '../../../../client/transports/sigv4-signer.js';

interface KnownAnswer {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly region: string;
  readonly date: string;
  readonly sessionToken: boolean;
  readonly headers: Record<string, string>;
}

const fixture = JSON.parse(readFileSync(new URL('./sigv4-known-answers.json', import.meta.url), 'utf8')) as {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly cases: readonly KnownAnswer[];
};

function credentialsOf(answer: KnownAnswer): AwsCredentials {
  return {
    accessKeyId: fixture.accessKeyId,
    secretAccessKey: fixture.secretAccessKey,
    ...(answer.sessionToken ? { sessionToken: fixture.sessionToken } : {}),
  };
}

describe('Class: SigV4Signer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('Method: sign', () => {
    it('has known answers to check', () => {
      expect(fixture.cases.length).toBeGreaterThanOrEqual(6);
      expect(fixture.cases.some((answer) => answer.sessionToken)).toBe(true);
    });

    it.each(fixture.cases.map((answer) => [answer.name, answer] as const))(
      'signs like botocore: %s',
      async (_name, answer) => {
        // Prepare
        vi.useFakeTimers({ toFake: ['Date'], now: new Date(answer.date) });
        const signer = new SigV4Signer({ region: answer.region, credentials: credentialsOf(answer) });

        // Act
        const headers = await signer.sign(answer.method, new URL(answer.url));

        // Assess: every header botocore sets, byte for byte; host is left to fetch
        expect(
          Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
        ).toEqual(answer.headers);
      },
    );

    it('takes a credentials provider, asked at each signature', async () => {
      // Prepare
      const [answer] = fixture.cases;
      if (!answer) throw new Error('no known answer');
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(answer.date) });
      const provider = vi.fn(async () => credentialsOf(answer));
      const signer = new SigV4Signer({ region: answer.region, credentials: provider });

      // Act
      const headers = await signer.sign(answer.method, new URL(answer.url));

      // Assess
      expect(headers.authorization).toBe(answer.headers.authorization);
      expect(provider).toHaveBeenCalled();
    });

    it('signs a different signature for another secret, region or time', async () => {
      // Prepare
      const [answer] = fixture.cases;
      if (!answer) throw new Error('no known answer');
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(answer.date) });
      const url = new URL(answer.url);
      const sign = (region: string, secretAccessKey: string) =>
        new SigV4Signer({ region, credentials: { accessKeyId: fixture.accessKeyId, secretAccessKey } }).sign(
          'GET',
          url,
        );

      // Act
      const signatures = [
        (await sign(answer.region, fixture.secretAccessKey)).authorization,
        (await sign(answer.region, `${fixture.secretAccessKey}x`)).authorization,
        (await sign('us-west-2', fixture.secretAccessKey)).authorization,
      ];
      vi.setSystemTime(new Date(Date.parse(answer.date) + 1000));
      signatures.push((await sign(answer.region, fixture.secretAccessKey)).authorization);

      // Assess
      expect(signatures[0]).toBe(answer.headers.authorization);
      expect(new Set(signatures).size).toBe(4);
    });
  });
});

describe('Function: encodeRfc3986', () => {
  it.each([
    ['a b', 'a%20b'],
    ["*'()!", '%2A%27%28%29%21'],
    ['+=&/?#', '%2B%3D%26%2F%3F%23'],
    ['AZaz09-_.~', 'AZaz09-_.~'],
    ['é', '%C3%A9'],
    ['', ''],
  ])('%j -> %j', (text, encoded) => {
    expect(encodeRfc3986(text)).toBe(encoded);
  });
});
