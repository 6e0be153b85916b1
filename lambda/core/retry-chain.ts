/**
 * Retry until recovered (docs/design.md, Refresher; decision 30): a refresh that fails with
 * a retryable failure starts, or continues, the set's one retry chain, and a retry run
 * whose lease is gone, or whose message another delivery is running, does nothing. The
 * pacing is the contract's `RETRY_CHAIN`; the lease is the state item's
 * (`StateStore.claimRetry`, `startRetry`, `releaseRetry`); delivery is a {@link RetryQueue}.
 */
import { randomUUID } from 'node:crypto';
import { RETRY_CHAIN, type RetryTicket, retryDelaySeconds } from '../../contract/index.js';
import type { RetryQueue } from './ports.js';
import {
  type RefreshDependencies,
  RefreshFailure,
  type RefreshNote,
  type RefreshReport,
  refresh,
} from './refresh.js';
import type { RefreshRequest } from './refresh-request.js';

/** A refresh's dependencies plus where retries go; without `retries` no chain is started. */
export interface RetryChainDependencies extends RefreshDependencies {
  readonly retries?: RetryQueue;
}

/**
 * A retry run that found its lease gone: the chain ended (a success, a failure that is not
 * retryable) or was restarted by a newer failure, or another delivery of its message runs
 * it. Nothing was read or requested.
 */
export interface RetryNotNeeded {
  readonly credential: string;
  readonly reason: 'retry';
  readonly outcome: 'retry-not-needed';
  readonly attempt: number;
}

/**
 * Refreshes the set of `request` and keeps its retry chain: a retry run first checks it
 * still holds the lease; a retryable failure claims the next retry and sends it. What the
 * chain did is on the failure's `retry`.
 *
 * @throws RefreshFailure as {@link refresh} does, with `retry` set when `deps.retries` is given
 * @example
 * const outcome = await refreshWithRetries(parseRefreshRequest(event, sets), deps, { deadlineMs });
 */
export async function refreshWithRetries(
  request: RefreshRequest,
  deps: RetryChainDependencies,
  options: { readonly deadlineMs: number },
): Promise<RefreshReport | RetryNotNeeded> {
  const { retry: ticket, set } = request;
  const notes: RefreshNote[] = [];
  if (ticket !== undefined && !(await takeRun(request.set.name, ticket, deps, options.deadlineMs, notes))) {
    return { credential: set.name, reason: 'retry', outcome: 'retry-not-needed', attempt: ticket.attempt };
  }
  try {
    return await refresh(request, deps, { ...options, notes });
  } catch (error) {
    if (error instanceof RefreshFailure && deps.retries)
      await continueChain(error, request, deps, deps.retries);
    throw error;
  }
}

/**
 * Takes the run of `ticket` for this delivery (`StateStore.startRetry`): false when the
 * lease is gone or moved on, or when another delivery of the same message holds the run
 * (SQS delivers at least once), so one message costs at most one run's token requests.
 * A failed take is noted in `notes` (logged as a warning) and runs.
 */
async function takeRun(
  credential: string,
  ticket: RetryTicket,
  deps: RetryChainDependencies,
  deadlineMs: number,
  notes: RefreshNote[],
): Promise<boolean> {
  const atSeconds = Math.floor(deps.clock.now() / 1000);
  const untilSeconds = Math.ceil(deadlineMs / 1000) + RETRY_CHAIN.runHoldMarginSeconds;
  // A failed take proceeds with the refresh: a state-item blip must not end the chain, and
  // the conditional claim after a failure still keeps one chain. The owner makes a resend
  // of a hold that DynamoDB applied (its answer lost) answer true, not "another delivery".
  return deps.state
    .startRetry(credential, ticket, { atSeconds, untilSeconds, owner: randomUUID() })
    .catch((error: unknown) => {
      // Said, so a write denied for good (every delivery then runs) does not go unseen.
      notes.push({ kind: 'run-not-taken', error });
      return true;
    });
}

/** Claims and sends the next retry after `failure`; never throws. */
async function continueChain(
  failure: RefreshFailure,
  request: RefreshRequest,
  deps: RetryChainDependencies,
  retries: RetryQueue,
): Promise<void> {
  // Not retryable (recordFailure removed the lease), or the placeholder: nothing to retry.
  if (!failure.retryable || failure.secretNotSet) {
    failure.retry = { kind: 'ended' };
    return;
  }
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  const attempt = (request.retry?.attempt ?? 0) + 1;
  const delaySeconds = retryDelaySeconds(attempt);
  const ticket = { attempt, dueAt: nowSeconds + delaySeconds };
  try {
    const claimed = await deps.state.claimRetry(request.set.name, ticket, {
      ...(request.retry === undefined ? {} : { heldDueAt: request.retry.dueAt }),
      staleBeforeSeconds: nowSeconds - RETRY_CHAIN.leaseGraceSeconds,
      // A resend of a claim that DynamoDB applied (its answer lost) is still ours to send.
      owner: randomUUID(),
    });
    if (!claimed) {
      failure.retry = { kind: 'pending' };
      return;
    }
    await retries.enqueue(request.set.name, ticket, delaySeconds);
    failure.retry = { kind: 'scheduled', ...ticket, delaySeconds };
  } catch (error) {
    // A lease with no message (a failed send, or a claim that failed after it was written)
    // would stop the chain until its grace passed: give it back, so the next failure starts
    // one at once. Only ours: the release is conditional on this claim's dueAt. A send that
    // failed after SQS accepted it still delivers: the store remembers the released dueAt, so
    // that delivery takes the lease back unless a newer one exists. If the release fails
    // too, the lease lapses after its grace as before.
    await deps.state.releaseRetry(request.set.name, ticket.dueAt).catch(() => undefined);
    failure.retry = { kind: 'not-scheduled', error };
  }
}
