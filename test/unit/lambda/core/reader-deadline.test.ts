/**
 * Reader deadlines (issue #11, item 9): every store call is bounded by the caller's abort
 * signal, so a hanging DynamoDB never holds the reader past its Lambda deadline.
 */
import { describe, expect, it } from 'vitest';
import { TokenStoreError } from '../../../../lambda/core/errors.js';
import type { CallOptions, StoredToken } from '../../../../lambda/core/ports.js';
import { readerFixture, thrownBy } from './reader-fixture.js';

/** A store call that never answers; it records the signal it was given. */
function hang(signals: Array<AbortSignal | undefined>) {
  return async (_credential: string, options?: { signal?: AbortSignal }): Promise<never> => {
    signals.push(options?.signal);
    return new Promise<never>(() => undefined);
  };
}

describe('Class: Reader', () => {
  describe('Method: serve (deadline)', () => {
    it('gives up on a token store that hangs when the signal aborts, with a TokenStoreError', async () => {
      // Prepare
      const { store, reader } = readerFixture();
      const signals: Array<AbortSignal | undefined> = [];
      store.get = hang(signals) as typeof store.get;
      const controller = new AbortController();

      // Act
      const answer = thrownBy(reader.serve({}, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      const error = await answer;

      // Assess
      expect(error).toBeInstanceOf(TokenStoreError);
      expect((error as Error).message).toContain(
        "credential 'sandbox': token store failed: GetItem of the token item did not answer before the reader's deadline",
      );
      expect(signals).toEqual([controller.signal]);
    });

    it('gives up at once when the deadline passed before the read', async () => {
      const { store, reader } = readerFixture();
      store.get = hang([]) as typeof store.get;
      const error = await thrownBy(reader.serve({}, { signal: AbortSignal.abort() }));
      expect(error).toBeInstanceOf(TokenStoreError);
    });

    it('passes the signal to the state item and the refresher invoke, and still answers when they hang', async () => {
      // Prepare: nothing stored; the claim hangs.
      const { state, trigger, reader } = readerFixture();
      const signals: Array<AbortSignal | undefined> = [];
      state.claimRefreshRequest = ((
        _credential: string,
        _at: number,
        _notBefore: number,
        options?: CallOptions,
      ) => {
        signals.push(options?.signal);
        return new Promise<boolean>(() => undefined);
      }) as typeof state.claimRefreshRequest;
      const controller = new AbortController();

      // Act
      const answer = thrownBy(reader.serve({}, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      const error = await answer;

      // Assess: the read itself answered; the claim is reported as failed
      expect(error).toMatchObject({ name: 'TokenUnavailable', refreshClaim: { outcome: 'failed' } });
      expect(signals).toEqual([controller.signal]);
      expect(trigger.triggered).toEqual([]);
    });

    it('bounds the status answer too', async () => {
      const { state, reader } = readerFixture();
      state.get = hang([]) as typeof state.get;
      const controller = new AbortController();
      const answer = thrownBy(reader.serve({ action: 'status' }, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      expect(await answer).toBeInstanceOf(TokenStoreError);
    });

    it('lets callers sharing a store read give up on their own deadline', async () => {
      // Prepare: the first caller has no deadline, the second one has.
      const { store, reader, token } = readerFixture();
      let release: (value: StoredToken) => void = () => undefined;
      store.get = () =>
        new Promise<StoredToken>((resolve) => {
          release = resolve;
        });
      const controller = new AbortController();

      // Act
      const first = reader.serve({});
      const second = thrownBy(reader.serve({}, { signal: controller.signal }));
      controller.abort();
      const secondError = await second;
      release(token('t1'));

      // Assess
      expect(secondError).toBeInstanceOf(TokenStoreError);
      await expect(first).resolves.toMatchObject({ accessToken: 't1' });
    });
  });
});
