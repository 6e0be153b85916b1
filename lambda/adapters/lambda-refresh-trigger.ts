/**
 * Triggers the refresher with an asynchronous Lambda invoke (`InvocationType: Event`):
 * the caller does not wait for the refresh, and the refresher's async retries and
 * on-failure destination cover its failures.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { RefreshTrigger } from '../core/ports.js';

/** A {@link RefreshTrigger} that invokes the refresher function asynchronously. */
export class LambdaRefreshTrigger implements RefreshTrigger {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(options: { readonly client: LambdaClient; readonly functionName: string }) {
    this.#client = options.client;
    this.#functionName = options.functionName;
  }

  /** @inheritdoc */
  async trigger(credential: string, reason: string): Promise<void> {
    await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ credential, reason })),
      }),
    );
  }
}
