/**
 * In-memory {@link StateStore} and {@link RefreshTrigger}, following the ports'
 * contracts (the refresh-request claim is atomic and rate-limited).
 */
import type { RefreshReason } from '../../contract/index.js';
import type {
  CredentialState,
  RecordedFailure,
  RefreshTrigger,
  StateStore,
} from '../../lambda/core/ports.js';

/** A state store on a Map. */
export class InMemoryStateStore implements StateStore {
  readonly states = new Map<string, CredentialState>();
  /** Errors thrown by the next calls, in order. */
  readonly failures: Error[] = [];

  async get(credential: string): Promise<CredentialState> {
    return this.states.get(credential) ?? {};
  }
  async recordFailure(credential: string, failure: RecordedFailure): Promise<void> {
    this.#fail();
    this.states.set(credential, { ...this.states.get(credential), lastFailure: failure });
  }
  async recordSuccess(credential: string, atSeconds: number): Promise<void> {
    this.#fail();
    this.states.set(credential, { ...this.states.get(credential), lastSuccessAt: atSeconds });
  }
  async claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
  ): Promise<boolean> {
    this.#fail();
    const previous = this.states.get(credential)?.refreshRequestedAt;
    if (previous !== undefined && previous >= notBeforeSeconds) return false;
    this.states.set(credential, { ...this.states.get(credential), refreshRequestedAt: atSeconds });
    return true;
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
