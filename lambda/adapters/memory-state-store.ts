/**
 * Credential set state in this process's memory: the local broker's state store when
 * there is no Java for DynamoDB Local (local/local-stores.ts), and the base of the core
 * tests' fake. It keeps the DynamoDB state store's contract (docs/design.md, State item):
 * a failure replaces the previous one whole (fields it does not carry are dropped), its
 * message is cut to {@link RECORDED_MESSAGE_MAX_CHARS}, recording never touches the token,
 * the refresh-request claim is atomic and rate-limited, and the retry lease is taken,
 * held by one run and given up only under the DynamoDB store's conditions, and a repeat
 * of a lease write whose first attempt applied answers true (`RetryWrite.owner`).
 */
import type { RetryTicket } from '../../contract/index.js';
import {
  type CredentialState,
  RECORDED_MESSAGE_MAX_CHARS,
  type RecordedFailure,
  type RetryWrite,
  type SecretInUse,
  type StateStore,
} from '../core/ports.js';

/** A {@link StateStore} on a Map; each call reads and writes without awaiting in between. */
export class MemoryStateStore implements StateStore {
  /** The states by credential set name; protected so the tests' fake can seed and inspect them. */
  protected readonly states = new Map<string, CredentialState>();
  /** Who wrote each set's lease or run hold last: the DynamoDB item's retryOwner, kept out of the state. */
  readonly #owners = new Map<string, string>();
  /** The dueAt each set's last release gave up: the DynamoDB item's retryReleasedDueAt. */
  readonly #released = new Map<string, number>();

  /** @inheritdoc */
  async get(credential: string): Promise<CredentialState> {
    return this.states.get(credential) ?? {};
  }

  /** @inheritdoc */
  async recordFailure(credential: string, failure: RecordedFailure): Promise<void> {
    // Only the fields the DynamoDB item holds, as it reads them back (an empty code is none).
    const { name, code, at, retryable } = failure;
    const lastFailure: RecordedFailure = {
      name,
      message: failure.message.slice(0, RECORDED_MESSAGE_MAX_CHARS),
      at,
      ...(code ? { code } : {}),
      ...(retryable === undefined ? {} : { retryable }),
    };
    this.#update(credential, { lastFailure });
    // A failure no retry can fix ends the retry chain, as the DynamoDB store's REMOVE does.
    if (retryable === false) this.#endChain(credential);
  }

  /** @inheritdoc */
  async recordSuccess(credential: string, atSeconds: number, secret?: SecretInUse): Promise<void> {
    this.#update(credential, { lastSuccessAt: atSeconds, ...(secret ? { secret: { ...secret } } : {}) });
    this.#endChain(credential);
  }

  /** @inheritdoc */
  async claimRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly heldDueAt?: number; readonly staleBeforeSeconds: number },
  ): Promise<boolean> {
    // The DynamoDB condition: no lease, a lost one, or the one the caller holds.
    const held = this.states.get(credential)?.pendingRetry?.dueAt;
    const free =
      held === undefined ||
      held < options.staleBeforeSeconds ||
      (options.heldDueAt !== undefined && held === options.heldDueAt);
    if (!free) return this.#ownedBy(credential, options.owner);
    // A new lease, so no delivery holds its run yet (the DynamoDB store REMOVEs retryRunUntil).
    this.#update(credential, { pendingRetry: { attempt: ticket.attempt, dueAt: ticket.dueAt } });
    // A released dueAt left behind is inert: startRetry takes it back only when no lease exists.
    this.#owners.set(credential, options.owner);
    return true;
  }

  /** @inheritdoc */
  async releaseRetry(credential: string, dueAt: number): Promise<void> {
    // The DynamoDB condition: only the lease the caller took; its dueAt is remembered.
    if (this.states.get(credential)?.pendingRetry?.dueAt !== dueAt) return;
    this.#remove(credential, 'pendingRetry');
    this.#released.set(credential, dueAt);
  }

  /** @inheritdoc */
  async startRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly atSeconds: number; readonly untilSeconds: number },
  ): Promise<boolean> {
    // The DynamoDB condition: the lease is this retry's and no delivery holds its run now, or
    // no lease exists and this retry's is the one released (its message arrived after all).
    const lease = this.states.get(credential)?.pendingRetry;
    const free =
      (lease?.dueAt === ticket.dueAt &&
        (lease.runUntil === undefined || lease.runUntil < options.atSeconds)) ||
      (lease === undefined && this.#released.get(credential) === ticket.dueAt);
    if (!free) return this.#ownedBy(credential, options.owner);
    this.#update(credential, {
      pendingRetry: { attempt: ticket.attempt, dueAt: ticket.dueAt, runUntil: options.untilSeconds },
    });
    this.#owners.set(credential, options.owner);
    return true;
  }

  /** @inheritdoc */
  async claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
  ): Promise<boolean> {
    // The DynamoDB condition: no request recorded, or the last one before `notBeforeSeconds`.
    const previous = this.states.get(credential)?.refreshRequestedAt;
    if (previous !== undefined && !(previous < notBeforeSeconds)) return false;
    this.#update(credential, { refreshRequestedAt: atSeconds });
    return true;
  }

  /** A failed condition on our own write (the DynamoDB store's ALL_OLD check): true. */
  #ownedBy(credential: string, owner: string): boolean {
    return this.states.get(credential)?.pendingRetry !== undefined && this.#owners.get(credential) === owner;
  }

  /** The chain ended (a success, a failure no retry can fix): no lease, nothing released. */
  #endChain(credential: string): void {
    this.#remove(credential, 'pendingRetry');
    this.#released.delete(credential);
  }

  #update(credential: string, change: CredentialState): void {
    this.states.set(credential, { ...this.states.get(credential), ...change });
  }

  #remove(credential: string, field: keyof CredentialState): void {
    const current = this.states.get(credential);
    if (!current || !(field in current)) return;
    const { [field]: _removed, ...rest } = current;
    this.states.set(credential, rest);
  }
}
