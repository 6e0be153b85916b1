/**
 * Self-healing reads: when a reader has no usable token to serve, it asks the refresher
 * for a refresh — at most once per interval per credential across every reader instance,
 * claimed atomically in the state item, so a burst of failing reads makes one refresh.
 * The reader never sees the secret: it only triggers the refresher.
 */
import type { Clock, RefreshTrigger, StateStore } from './ports.js';
import { REFRESH_REQUEST_INTERVAL_SECONDS } from './telemetry.js';

/** What a request for a refresh came to. */
export type RefreshRequestOutcome = 'requested' | 'already-requested';

/** Asks the refresher for a refresh on behalf of readers, rate-limited per credential. */
export class RefreshRequester {
  readonly #state: StateStore;
  readonly #trigger: RefreshTrigger;
  readonly #clock: Clock;
  readonly #intervalSeconds: number;

  constructor(options: {
    readonly state: StateStore;
    readonly trigger: RefreshTrigger;
    readonly clock: Clock;
    /** @default 60 */
    readonly intervalSeconds?: number;
  }) {
    this.#state = options.state;
    this.#trigger = options.trigger;
    this.#clock = options.clock;
    this.#intervalSeconds = options.intervalSeconds ?? REFRESH_REQUEST_INTERVAL_SECONDS;
  }

  /** Triggers a refresh unless one was requested within the interval. */
  async request(credential: string): Promise<RefreshRequestOutcome> {
    const now = Math.floor(this.#clock.now() / 1000);
    const claimed = await this.#state.claimRefreshRequest(credential, now, now - this.#intervalSeconds);
    if (!claimed) return 'already-requested';
    await this.#trigger.trigger(credential, 'read-miss');
    return 'requested';
  }
}
