/**
 * Time for the token client: reading it and waiting on it come from one object, so a
 * test's fake clock moves the retry deadline and the cache expiry together.
 */

/** A time source that can also wait. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** The system clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
