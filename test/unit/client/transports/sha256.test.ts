import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../../client/transports/sha256.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('Class: Sha256', () => {
  describe('Method: digest', () => {
    it('hashes like SHA-256 without a secret (FIPS 180-2 "abc")', async () => {
      // Prepare
      const hash = new Sha256();

      // Act
      hash.update(new TextEncoder().encode('abc'));

      // Assess
      expect(hex(await hash.digest())).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    });

    it.each([
      ['a string', 'Jefe'],
      ['an ArrayBuffer', new TextEncoder().encode('Jefe').buffer],
      ['a view into a larger buffer', new Uint8Array(Buffer.from('xxJefexx')).subarray(2, 6)],
    ])('computes HMAC-SHA-256 keyed with %s (RFC 4231 case 2)', async (_case, secret) => {
      // Prepare
      const hmac = new Sha256(secret);

      // Act
      hmac.update('what do ya want ');
      hmac.update(new TextEncoder().encode('for nothing?'));

      // Assess
      expect(hex(await hmac.digest())).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      );
    });
  });

  describe('Method: reset', () => {
    it('starts over with the same secret', async () => {
      const hmac = new Sha256('Jefe');
      hmac.update('garbage');
      hmac.reset();
      hmac.update('what do ya want for nothing?');
      expect(hex(await hmac.digest())).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      );
    });
  });
});
