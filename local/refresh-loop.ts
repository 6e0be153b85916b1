/**
 * The local broker's stand-in for EventBridge Scheduler and Lambda's async invoke: runs
 * the shared RefresherService for every credential set at start and then on an
 * interval, and on request from a reader that found no usable token (self-healing).
 * A refresh already running for a set is joined rather than started again.
 */
import type { RefreshTrigger } from '../lambda/core/ports.js';
import type { RefresherService } from '../lambda/core/refresher-service.js';
import { REFRESH_REASONS, type RefreshReason } from '../lambda/core/telemetry.js';

/**
 * Time each refresh may take, retries included: the refresher Lambda's 60 s timeout less
 * the 3 s it keeps back to record and answer.
 */
export const REFRESH_BUDGET_MS = 57_000;

/** How long {@link RefreshLoop.stop} waits for refreshes in flight before giving up on them. */
const STOP_WAIT_MS = 2_000;

/**
 * Why the loop refreshes, as the refresher's event says it. The refresh at start plays
 * the deploy-time custom resource's part (`deploy`): a token exists as soon as the
 * broker is up.
 */
export const LOOP_REASON = { start: 'deploy', interval: 'schedule', readMiss: 'read-miss' } as const;

/** Options of {@link RefreshLoop}. */
export interface RefreshLoopOptions {
  readonly refresher: RefresherService;
  /** Time between scheduled rounds. */
  readonly intervalMs: number;
}

/** Runs refreshes on a timer and on demand; implements the readers' {@link RefreshTrigger}. */
export class RefreshLoop implements RefreshTrigger {
  readonly #refresher: RefresherService;
  readonly #intervalMs: number;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RefreshLoopOptions) {
    this.#refresher = options.refresher;
    this.#intervalMs = options.intervalMs;
  }

  /** Aborted by {@link stop}: retry back-offs listen to it, so a refresh does not outlive the broker. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Refreshes every set now, then every interval. Resolves when the first round is done. */
  start(): Promise<void> {
    if (!this.#timer && !this.#abort.signal.aborted) {
      this.#timer = setInterval(() => void this.refreshAll(LOOP_REASON.interval), this.#intervalMs);
    }
    return this.refreshAll(LOOP_REASON.start);
  }

  /** Refreshes every configured set, concurrently. Never rejects: outcomes go to the observer. */
  async refreshAll(reason: RefreshReason): Promise<void> {
    await Promise.all(this.#refresher.configs.map((config) => this.refresh(config.name, reason)));
  }

  /**
   * Refreshes one set, or joins the refresh already running for it. Never rejects: the
   * refresher service has told its observer about any failure.
   */
  refresh(credential: string, reason: RefreshReason): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.resolve();
    const running = this.#inFlight.get(credential);
    if (running) return running;
    const run = (async () => {
      try {
        const request = this.#refresher.parse({ credential, reason });
        await this.#refresher.run(request, { deadlineMs: Date.now() + REFRESH_BUDGET_MS });
      } catch {
        // Reported by the observer (or an unknown name, which readers never send).
      } finally {
        this.#inFlight.delete(credential);
      }
    })();
    this.#inFlight.set(credential, run);
    return run;
  }

  /**
   * The readers' self-healing request. Like an async Lambda invoke it does not wait for
   * the refresh: the reader answers TokenUnavailable with Retry-After at once.
   */
  async trigger(credential: string, reason: string): Promise<void> {
    const known = (REFRESH_REASONS as readonly string[]).includes(reason);
    void this.refresh(credential, known ? (reason as RefreshReason) : 'manual');
  }

  /** Stops the timer and aborts back-offs; waits briefly for refreshes in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    const pending = [...this.#inFlight.values()];
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
