/**
 * What the refresher is invoked with, by every trigger the construct wires (schedule,
 * rotation rule, deploy-time custom resource), by the reader's self-healing and by an
 * operator: `{"credential": NAME, "reason": REASON}`.
 */
import type { RetryTicket } from './retry-chain.js';

/**
 * Why the refresher was invoked; sent as `reason` next to `credential`. The reader sends
 * `read-miss` when it has no usable token and `rejected-token` when a caller reported that
 * the A55 API rejected the stored one (`rejectedTokenHash`); the refresher itself sends
 * `retry` (its retry chain, through a delay queue, with a {@link RetryTicket}); every reason
 * but `manual` comes with an asynchronous invoke or a queue.
 */
export const REFRESH_REASONS = [
  'schedule',
  'secret-rotated',
  'deploy',
  'read-miss',
  'rejected-token',
  'manual',
  'retry',
] as const;

/** One of {@link REFRESH_REASONS}. */
export type RefreshReason = (typeof REFRESH_REASONS)[number];

/** The refresher's input. */
export interface RefreshEvent {
  /** The credential set to refresh. */
  readonly credential: string;
  /** Why; an event without one is taken as `manual` (an operator's invoke). */
  readonly reason?: RefreshReason;
  /** With `reason: "retry"` only: which retry of the chain this is. */
  readonly retry?: RetryTicket;
}

/** True when `value` is one of {@link REFRESH_REASONS}. */
export function isRefreshReason(value: unknown): value is RefreshReason {
  return typeof value === 'string' && (REFRESH_REASONS as readonly string[]).includes(value);
}

/** The input every trigger sends for `credential`. */
export function refreshEvent(credential: string, reason: RefreshReason): RefreshEvent {
  return { credential, reason };
}
