/**
 * Bounding a port call by the caller's abort signal (the reader's deadline). Adapters pass
 * the signal on (the AWS SDK aborts the request and its retries), but a port that ignores
 * it, or an SDK that only checks it between attempts, must still not hold the reader past
 * its deadline.
 */
import { TokenStoreError } from './errors.js';

/**
 * `call`'s promise, or a rejection with `onAbort()` as soon as `signal` aborts (at once when
 * it already has). Without a signal, the promise as it is.
 */
export function abortable<T>(
  call: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => Error,
): Promise<T> {
  if (!signal) return call;
  if (signal.aborted) {
    call.catch(() => undefined);
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    call.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/**
 * What a store call that outlived the reader's deadline fails with: a TokenStoreError, so
 * the reader face answers InternalError and counts ReadFailed.
 * @param call what did not answer (`GetItem of the token item`, ...)
 */
export function deadlineExceeded(credential: string, call: string): TokenStoreError {
  return new TokenStoreError(
    credential,
    `${call} did not answer before the reader's deadline (its Lambda timeout less a margin); ` +
      "check DynamoDB's latency and throttling for the table, and the function's timeout",
    { retryable: true },
  );
}

/** `call` bounded by `signal`, failing with {@link deadlineExceeded} for `credential`. */
export function withinDeadline<T>(
  call: Promise<T>,
  signal: AbortSignal | undefined,
  credential: string,
  what: string,
): Promise<T> {
  return abortable(call, signal, () => deadlineExceeded(credential, what));
}
