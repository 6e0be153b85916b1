/**
 * Records what each refresh did in the credential set's state item, so the status
 * answer can say when the last refresh succeeded and why the last one failed. Recording
 * never changes the outcome: a failure to record is reported, the refresh result stands.
 */
import { BrokerError, TokenRequestRejected } from './errors.js';
import type { Clock, RefreshFailure, StateStore } from './ports.js';

/** The OAuth error code of a refused request (`http_<status>` when it sent none), else undefined. */
export function failureCode(error: unknown): string | undefined {
  if (error instanceof TokenRequestRejected) return error.oauthError ?? `http_${error.httpStatus}`;
  return undefined;
}

/** True when the token endpoint refused the client credentials themselves: a wrong or rotated-away secret. */
export function isSecretRejected(error: unknown): boolean {
  return (
    error instanceof TokenRequestRejected &&
    (error.oauthError === 'invalid_client' || error.httpStatus === 401)
  );
}

/** The failure as recorded: name, code, message and time, never more. */
export function describeFailure(error: unknown, nowMs: number): RefreshFailure {
  const code = failureCode(error);
  return {
    name: error instanceof BrokerError ? error.name : 'InternalError',
    ...(code === undefined ? {} : { code }),
    // Broker errors are written to be shown; anything else may hold internals.
    message: error instanceof BrokerError ? error.message : 'unexpected error; see the refresher logs',
    at: Math.floor(nowMs / 1000),
  };
}

/**
 * Runs `refresh` and records its outcome for `credential`. Rethrows the refresh error
 * unchanged; reports a failure to record through `onRecordError`.
 */
export async function refreshAndRecord<T>(
  credential: string,
  refresh: () => Promise<T>,
  deps: {
    readonly state: StateStore;
    readonly clock: Clock;
    readonly onRecordError: (error: unknown) => void;
  },
): Promise<T> {
  let result: T;
  try {
    result = await refresh();
  } catch (error) {
    await deps.state
      .recordFailure(credential, describeFailure(error, deps.clock.now()))
      .catch(deps.onRecordError);
    throw error;
  }
  await deps.state.recordSuccess(credential, Math.floor(deps.clock.now() / 1000)).catch(deps.onRecordError);
  return result;
}
