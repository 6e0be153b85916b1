/**
 * Triggers the refresher with an asynchronous Lambda invoke (`InvocationType: Event`):
 * the caller does not wait for the refresh, and the refresher's async retries and
 * on-failure destination cover its failures.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type RefreshReason, refreshEvent } from '../../contract/index.js';
import { RefreshTriggerError } from '../core/errors.js';
import type { CallOptions, RefreshTrigger } from '../core/ports.js';
import { classifySdkError } from './sdk-errors.js';

/** A {@link RefreshTrigger} that invokes the refresher function asynchronously. */
export class LambdaRefreshTrigger implements RefreshTrigger {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(options: { readonly client: LambdaClient; readonly functionName: string }) {
    this.#client = options.client;
    this.#functionName = options.functionName;
  }

  /**
   * @inheritdoc
   * @throws RefreshTriggerError saying what to check; only the SDK error's name is passed on.
   */
  async trigger(credential: string, reason: RefreshReason, options?: CallOptions): Promise<void> {
    try {
      await this.#client.send(
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
