/**
 * The local broker's startup errors: things a person fixes (a file, a flag, a port, a
 * missing Java). The entry point prints the message as one line, without a stack trace,
 * and exits non-zero.
 */

/** A problem with how the local broker was started; its message says what to do. */
export class LocalBrokerError extends Error {
  override readonly name = 'LocalBrokerError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
