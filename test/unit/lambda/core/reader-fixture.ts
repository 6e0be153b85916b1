/**
 * A Reader over in-memory ports on a manual clock, for the reader's unit tests: stored
 * tokens are described by their lifetime and age, as the refresher would have written them.
 */
import { createHash } from 'node:crypto';
import type { StoredToken } from '../../../../lambda/core/ports.js';
import { Reader, type ReaderOptions, type TokenView } from '../../../../lambda/core/reader.js';
import { InMemoryTokenStore, ManualClock } from '../../../fakes/in-memory.js';
import { InMemoryStateStore, RecordingRefreshTrigger } from '../../../fakes/in-memory-state.js';

/** A reader of the sets `sandbox` and `production`, with self-healing unless `selfHealing: false`. */
export function readerFixture(
  options: { cacheSeconds?: number; selfHealing?: boolean } & Partial<
    Pick<ReaderOptions, 'credentialNames'>
  > = {},
) {
  const clock = new ManualClock();
  const store = new InMemoryTokenStore();
  const state = new InMemoryStateStore();
  const trigger = new RecordingRefreshTrigger();
  const reader = new Reader({
    store,
    state,
    clock,
    credentialNames: options.credentialNames ?? ['sandbox', 'production'],
    cacheSeconds: options.cacheSeconds ?? 30,
    ...(options.selfHealing === false ? {} : { trigger }),
  });
  const nowS = () => clock.now() / 1000;
  /** A token fetched `ageSeconds` ago that lives `lifetimeSeconds` in all. */
  const token = (
    accessToken: string,
    { lifetimeSeconds = 3600, ageSeconds = 0, credential = 'sandbox' } = {},
  ): StoredToken => ({
    credential,
    accessToken,
    tokenType: 'Bearer',
    fetchedAt: nowS() - ageSeconds,
    expiresAt: nowS() - ageSeconds + lifetimeSeconds,
  });
  const read = async (payload: unknown) => (await reader.serve(payload)) as TokenView;
  return { clock, store, state, trigger, reader, token, read, nowS };
}

/** What `answer` threw (undefined when it resolved), for assertions on the error's fields. */
export async function thrownBy(answer: Promise<unknown>): Promise<unknown> {
  return answer.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The `rejectedTokenHash` a client sends for `accessToken` (contract/rejected-token.ts). */
export function hashOf(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'utf8').digest('hex').slice(0, 16);
}
