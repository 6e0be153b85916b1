/**
 * Triggers the refresher with an asynchronous Lambda invoke (`InvocationType: Event`):
 * the caller does not wait for the refresh, and the refresher's async retries and
 * on-failure destination cover its failures.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type RefreshReason, refreshEvent } from '../../contract/index.js';
import { RefreshTriggerError } from '../core/errors.js';
import type { CallOptions, RefreshTrigger } from '../core/ports.js';
import { classifySdkError } from './sdk-errors.js';

/**
 * The Lambda client, or a function that makes it at the first trigger: the reader passes
 * a function, so the Lambda SDK is loaded only when a read finds no token to serve, not in
 * every cold start (bench: reader module init).
 */
export type LambdaClientSource = LambdaClient | (() => Promise<LambdaClient>);

/** A {@link RefreshTrigger} that invokes the refresher function asynchronously. */
export class LambdaRefreshTrigger implements RefreshTrigger {
  readonly #source: LambdaClientSource;
  #client: Promise<LambdaClient> | undefined;
  readonly #functionName: string;

  constructor(options: { readonly client: LambdaClientSource; readonly functionName: string }) {
    this.#source = options.client;
    this.#functionName = options.functionName;
  }

  /** The client, made once; a failed attempt is forgotten so the next trigger tries again. */
  #lambdaClient(): Promise<LambdaClient> {
    const source = this.#source;
    if (typeof source !== 'function') return Promise.resolve(source);
    this.#client ??= source().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  /**
   * @inheritdoc
   * @throws RefreshTriggerError saying what to check; only the SDK error's name is passed on.
   */
  async trigger(credential: string, reason: RefreshReason, options?: CallOptions): Promise<void> {
    try {
      const [{ InvokeCommand }, client] = await Promise.all([
        import('@aws-sdk/client-lambda'),
        this.#lambdaClient(),
      ]);
      await client.send(
        new InvokeCommand({
          FunctionName: this.#functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(refreshEvent(credential, reason))),
        }),
        // The reader's deadline: aborts the request and the SDK's retries.
        { abortSignal: options?.signal },
      );
    } catch (error) {
      const { name, kind, retryable } = classifySdkError(error);
      const advice =
        kind === 'access-denied'
          ? `the reader role needs lambda:InvokeFunction on ${this.#functionName}`
          : kind === 'not-found'
            ? `function ${this.#functionName} does not exist: redeploy the stack`
            : 'the next read that finds no token asks again';
      throw new RefreshTriggerError(
        credential,
        `Invoke of ${this.#functionName} failed with ${name}; ${advice}`,
        {
          cause: error,
          retryable,
        },
      );
    }
  }
}
