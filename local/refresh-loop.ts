/**
 * The local broker's stand-in for EventBridge Scheduler and Lambda's async invoke: runs a
 * refresh for every credential set at start and then on an interval, and on request from
 * a reader that found no usable token (self-healing), and for the refresher's retry chain
 * the stand-in for its SQS delay queue: one timer per set (the lease in the state store
 * decides when to arm it, as in AWS). A refresh already running for a set is joined rather
 * than started again.
 */
import type { RefreshReason, RetryTicket } from '../contract/index.js';
import type { RefreshTrigger, RetryQueue } from '../lambda/core/ports.js';

/** How long {@link RefreshLoop.stop} waits for refreshes in flight before giving up on them. */
const STOP_WAIT_MS = 2_000;

/**
 * Why the loop refreshes, as the refresher's event says it. The refresh at start plays
 * the deploy-time custom resource's part (`deploy`): a token exists as soon as the
 * broker is up.
 */
export const LOOP_REASON = { start: 'deploy', interval: 'schedule' } as const satisfies Record<
  string,
  RefreshReason
>;

/** Runs one refresh and reports its outcome itself; a rejection is ignored. */
export type RunRefresh = (event: {
  readonly credential: string;
  readonly reason: RefreshReason;
  readonly retry?: RetryTicket;
}) => Promise<void>;

/** Options of {@link RefreshLoop}. */
export interface RefreshLoopOptions {
  /** The configured set names, in configuration order. */
  readonly credentials: readonly string[];
  readonly refresh: RunRefresh;
  /** Time between scheduled rounds. */
  readonly intervalMs: number;
}

/**
 * Runs refreshes on a timer and on demand; implements the readers' {@link RefreshTrigger}
 * and the refresher's {@link RetryQueue}.
 */
export class RefreshLoop implements RefreshTrigger, RetryQueue {
  readonly #credentials: readonly string[];
  readonly #run: RunRefresh;
  readonly #intervalMs: number;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  /** The pending retry of each set: at most one, as the lease allows one. */
  readonly #retryTimers = new Map<string, NodeJS.Timeout>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RefreshLoopOptions) {
    this.#credentials = options.credentials;
    this.#run = options.refresh;
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

  /** Refreshes every configured set, concurrently. Never rejects. */
  async refreshAll(reason: RefreshReason): Promise<void> {
    await Promise.all(this.#credentials.map((credential) => this.refresh(credential, reason)));
  }

  /**
   * Refreshes one set, or joins the refresh already running for it. Never rejects. A retry
   * is never joined: it runs after the refresh in flight, which is the one that armed it.
   */
  refresh(credential: string, reason: RefreshReason, retry?: RetryTicket): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.resolve();
    const running = this.#inFlight.get(credential);
    if (running && retry !== undefined) return running.then(() => this.refresh(credential, reason, retry));
    if (running) return running;
    const run = (async () => {
      try {
        await this.#run({ credential, reason, ...(retry === undefined ? {} : { retry }) });
      } catch {
        // The runner reports its outcomes; a rejection here has nobody left to tell.
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
  async trigger(credential: string, reason: RefreshReason): Promise<void> {
    void this.refresh(credential, reason);
  }

  /**
   * The retry chain's next run, in `delaySeconds`, with reason `retry` (the stand-in for the
   * SQS delay queue). A timer already pending for the set is replaced: only the lease holder
   * arms one.
   */
  async enqueue(credential: string, ticket: RetryTicket, delaySeconds: number): Promise<void> {
    if (this.#abort.signal.aborted) return;
    clearTimeout(this.#retryTimers.get(credential));
    const timer = setTimeout(() => {
      this.#retryTimers.delete(credential);
      void this.refresh(credential, 'retry', ticket);
    }, delaySeconds * 1000);
    // A pending retry alone does not keep the process alive: the HTTP server does.
    timer.unref?.();
    this.#retryTimers.set(credential, timer);
  }

  /** The sets with a retry pending, for tests and the status line. */
  get pendingRetries(): readonly string[] {
    return [...this.#retryTimers.keys()];
  }

  /** Stops the timer and aborts back-offs; waits briefly for refreshes in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const timer of this.#retryTimers.values()) clearTimeout(timer);
    this.#retryTimers.clear();
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
