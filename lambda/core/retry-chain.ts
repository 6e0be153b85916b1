/**
 * Retry until recovered (docs/design.md, Refresher; decision 30): a refresh that fails with
 * a retryable failure starts, or continues, the set's one retry chain, and a retry run
 * whose lease is gone does nothing. The pacing is the contract's `RETRY_CHAIN`; the lease
 * is the state item's (`StateStore.claimRetry`); delivery is a {@link RetryQueue}.
 */
import { RETRY_CHAIN, retryDelaySeconds } from '../../contract/index.js';
import type { RetryQueue } from './ports.js';
import { type RefreshDependencies, RefreshFailure, type RefreshReport, refresh } from './refresh.js';
import type { RefreshRequest } from './refresh-request.js';

/** A refresh's dependencies plus where retries go; without `retries` no chain is started. */
export interface RetryChainDependencies extends RefreshDependencies {
  readonly retries?: RetryQueue;
}

/**
 * A retry run that found its lease gone: the chain ended (a success, a failure that is not
 * retryable) or was restarted by a newer failure. Nothing was read or requested.
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
  if (ticket !== undefined) {
    // A failed read proceeds with the refresh: the conditional claim still keeps one chain.
    const state = await deps.state.get(set.name).catch(() => undefined);
    if (state && state.pendingRetry?.dueAt !== ticket.dueAt) {
      return { credential: set.name, reason: 'retry', outcome: 'retry-not-needed', attempt: ticket.attempt };
    }
  }
  try {
    return await refresh(request, deps, options);
  } catch (error) {
    if (error instanceof RefreshFailure && deps.retries)
      await continueChain(error, request, deps, deps.retries);
    throw error;
  }
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
    });
    if (!claimed) {
      failure.retry = { kind: 'pending' };
      return;
    }
    await retries.enqueue(request.set.name, ticket, delaySeconds);
    failure.retry = { kind: 'scheduled', ...ticket, delaySeconds };
  } catch (error) {
    // The lease, if taken, lapses after its grace and the next failure starts a new chain.
    failure.retry = { kind: 'not-scheduled', error };
  }
}
