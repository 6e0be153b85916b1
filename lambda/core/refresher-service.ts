/**
 * The refresher's composition, shared by the refresher Lambda and the local broker so
 * both run the same steps: pick the configured set an event names, refresh its token,
 * record the outcome in its state item and, after a failure, find out how long the token
 * still stored will last. Only what the runner does with the outcome differs (metrics and
 * Powertools logs in Lambda, readable lines locally): it is told through a
 * {@link RefreshObserver}.
 */
import type { CredentialConfig } from './credential-config.js';
import type { StateStore } from './ports.js';
import { type RefreshDependencies, type RefreshResult, refreshToken } from './refresh.js';
import { refreshAndRecord } from './refresh-recorder.js';
import { parseRefreshRequest, type RefreshRequest } from './refresh-request.js';
import { secondsRemaining } from './token-rules.js';

/** What a runner learns about each refresh; every callback is synchronous and must not throw. */
export interface RefreshObserver {
  /** The event named a configured set; nothing has been fetched yet. */
  started?(request: RefreshRequest): void;
  /** A token was stored (or a newer one found stored); `secondsLeft` is its remaining validity. */
  succeeded(request: RefreshRequest, result: RefreshResult, secondsLeft: number): void;
  /**
   * The refresh failed and the stored token was left as it was. `secondsLeft` is how long
   * that token still lasts (0 when none is stored), undefined when the store could not be read.
   */
  failed(request: RefreshRequest, error: unknown, secondsLeft: number | undefined): void;
  /** The outcome could not be written to the state item; the refresh result stands. */
  recordFailed(request: RefreshRequest, error: unknown): void;
  /** After a failure, the stored token could not be read to report its remaining validity. */
  remainingUnknown(request: RefreshRequest, error: unknown): void;
  /** Called last, whatever happened. */
  finished?(request: RefreshRequest): void;
}

/** Options of {@link RefresherService}. */
export interface RefresherServiceOptions {
  /** The configured sets, in configuration order. */
  readonly configs: readonly CredentialConfig[];
  /** Credential source, token endpoint, token store, clock and retry runtime. */
  readonly dependencies: RefreshDependencies;
  readonly state: StateStore;
  readonly observer: RefreshObserver;
}

/**
 * Refreshes credential sets on request. One instance per Lambda container or local broker.
 *
 * @example
 * ```ts
 * const refresher = new RefresherService({ configs, dependencies, state, observer });
 * const request = refresher.parse({ credential: 'sandbox', reason: 'schedule' });
 * const result = await refresher.run(request, { deadlineMs: Date.now() + 57_000 });
 * ```
 */
export class RefresherService {
  readonly #configs: readonly CredentialConfig[];
  readonly #deps: RefreshDependencies;
  readonly #state: StateStore;
  readonly #observer: RefreshObserver;

  constructor(options: RefresherServiceOptions) {
    this.#configs = options.configs;
    this.#deps = options.dependencies;
    this.#state = options.state;
    this.#observer = options.observer;
  }

  /** The configured sets, in configuration order. */
  get configs(): readonly CredentialConfig[] {
    return this.#configs;
  }

  /**
   * Validates a refresher event (`{"credential": NAME, "reason"?}`).
   * @throws BadRequest, UnknownCredential
   */
  parse(event: unknown): RefreshRequest {
    return parseRefreshRequest(event, this.#configs);
  }

  /**
   * Refreshes the set `request` names and records the outcome.
   * @throws the refresh error, unchanged, after the observer has been told.
   */
  async run(request: RefreshRequest, options: { readonly deadlineMs: number }): Promise<RefreshResult> {
    const { config } = request;
    const observer = this.#observer;
    observer.started?.(request);
    try {
      const result = await refreshAndRecord(config.name, () => refreshToken(config, this.#deps, options), {
        state: this.#state,
        clock: this.#deps.clock,
        onRecordError: (error) => observer.recordFailed(request, error),
      });
      observer.succeeded(request, result, secondsRemaining(result, this.#deps.clock.now()));
      return result;
    } catch (error) {
      observer.failed(request, error, await this.#remaining(request));
      throw error;
    } finally {
      observer.finished?.(request);
    }
  }

  /** Seconds the token still stored has (0 when none), for the "nearing expiry" alarm and the local log. */
  async #remaining(request: RefreshRequest): Promise<number | undefined> {
    try {
      const stored = await this.#deps.store.get(request.config.name);
      return stored ? Math.max(0, secondsRemaining(stored, this.#deps.clock.now())) : 0;
    } catch (error) {
      this.#observer.remainingUnknown(request, error);
      return undefined;
    }
  }
}
