/**
 * The token store in this process's memory: the local broker's store when there is no
 * Java for DynamoDB Local (local/local-stores.ts), and the base of the core tests' fake.
 * It keeps the DynamoDB store's contract (docs/design.md, Stored item): the same write
 * rule (core `mayReplace`), `superseded` with the item kept, non-finite times refused.
 * Malformed items cannot occur: only tokens that passed `put` are ever held.
 */
import type { PutOutcome, StoredToken, TokenStore } from '../core/ports.js';
import { assertStorable, mayReplace } from '../core/token-rules.js';

/**
 * A {@link TokenStore} on a Map, one item per credential set. A put reads, judges and
 * writes without awaiting in between, so concurrent puts are as atomic as DynamoDB's
 * conditional write. Nothing survives the process, as with DynamoDB Local `-inMemory`.
 *
 * @example
 * ```ts
 * const store = new MemoryTokenStore();
 * await store.put(token, Date.now()); // { result: 'written' }
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  /** The items by credential set name; protected so the tests' fake can seed and inspect them. */
  protected readonly items = new Map<string, StoredToken>();

  /**
   * The item of `credential`, or undefined; expired items are returned as they are, the
   * caller checks `expiresAt`. Answers at once, so it needs no abort signal.
   */
  async get(credential: string): Promise<StoredToken | undefined> {
    return this.items.get(credential);
  }

  /**
   * Writes `token` unless the stored item may not be replaced by it (`mayReplace`).
   * @param nowMs the writer's clock, for the expired and future-dated rules. @default Date.now()
   * @returns `written`, or `superseded` with the item kept.
   * @throws TokenStoreError when a time of `token` is not a finite number.
   */
  async put(token: StoredToken, nowMs: number = Date.now()): Promise<PutOutcome> {
    assertStorable(token);
    const stored = this.items.get(token.credential);
    if (stored !== undefined && !mayReplace(stored, token, nowMs / 1000)) {
      return { result: 'superseded', kept: stored };
    }
    this.items.set(token.credential, token);
    return { result: 'written' };
  }
}
