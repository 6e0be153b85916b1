/**
 * SHA-256 and HMAC-SHA-256 for `@smithy/signature-v4`, on `node:crypto`. The signer asks
 * for a constructor of its `Checksum` interface (`update`, `digest`, `reset`); the
 * browser-oriented `@aws-crypto/sha256-js` would add a dependency for the same result.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What the signer hands in: text, or bytes in any buffer shape. */
export type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 when built without a secret, HMAC-SHA-256 keyed with `secret` otherwise. */
export class Sha256 {
  readonly #secret: Uint8Array | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBytes(secret);
    this.#hash = this.#create();
  }

  update(data: SourceData): void {
    this.#hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#create();
  }

  #create(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
