/**
 * In-memory {@link StateStore} and {@link RefreshTrigger}, following the ports'
 * contracts (the refresh-request claim is atomic and rate-limited): the state store is
 * the local broker's in-memory adapter.
 */
import type { RefreshReason, RetryTicket } from '../../contract/index.js';
import { MemoryStateStore } from '../../lambda/adapters/memory-state-store.js';
import type {
  CredentialState,
  RecordedFailure,
  RefreshTrigger,
  SecretInUse,
} from '../../lambda/core/ports.js';

/**
 * The local broker's {@link MemoryStateStore}, opened up for tests: its states can be
 * seeded and read, and the next recording or claim calls can be made to fail.
 */
export class InMemoryStateStore extends MemoryStateStore {
  override readonly states = new Map<string, CredentialState>();
  /** Errors thrown by the next calls (recordings, claims, retry starts and releases), in order. */
  readonly failures: Error[] = [];

  override async recordFailure(credential: string, failure: RecordedFailure): Promise<void> {
    this.#fail();
    return super.recordFailure(credential, failure);
  }
  override async recordSuccess(credential: string, atSeconds: number, secret?: SecretInUse): Promise<void> {
    this.#fail();
    return super.recordSuccess(credential, atSeconds, secret);
  }
  override async claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
  ): Promise<boolean> {
    this.#fail();
    return super.claimRefreshRequest(credential, atSeconds, notBeforeSeconds);
  }
  override async claimRetry(
    credential: string,
    ticket: RetryTicket,
    options: Parameters<MemoryStateStore['claimRetry']>[2],
  ): Promise<boolean> {
    this.#fail();
    return super.claimRetry(credential, ticket, options);
  }
  override async releaseRetry(credential: string, dueAt: number): Promise<void> {
    this.#fail();
    return super.releaseRetry(credential, dueAt);
  }
  override async startRetry(
    credential: string,
    ticket: RetryTicket,
    options: Parameters<MemoryStateStore['startRetry']>[2],
  ): Promise<boolean> {
    this.#fail();
    return super.startRetry(credential, ticket, options);
  }
  #fail(): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

/** Records the refreshes it was asked for. */
export class RecordingRefreshTrigger implements RefreshTrigger {
  readonly triggered: Array<{ credential: string; reason: RefreshReason }> = [];
  async trigger(credential: string, reason: RefreshReason): Promise<void> {
    this.triggered.push({ credential, reason });
  }
}
