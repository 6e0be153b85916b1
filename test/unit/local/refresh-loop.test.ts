import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenRequestRejected } from '../../../lambda/core/errors.js';
import { RefreshFailure, refresh } from '../../../lambda/core/refresh.js';
import { parseRefreshRequest } from '../../../lambda/core/refresh-request.js';
import { RefreshLoop } from '../../../local/refresh-loop.js';
import {
  FakeCredentialSource,
  InMemoryTokenStore,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../fakes/in-memory-state.js';

const TOKEN = { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 };

function setUp(script: unknown[]) {
  const endpoint = new ScriptedTokenEndpoint(script);
  const outcomes: string[] = [];
  const sets = [testCredential({ name: 'sandbox' }), testCredential({ name: 'production' })];
  const deps = {
    credentials: new FakeCredentialSource(),
    endpoint,
    store: new InMemoryTokenStore(),
    state: new InMemoryStateStore(),
    clock: { now: () => Date.now() },
    sleep: async () => undefined,
    random: () => 0,
  };
  const loop = new RefreshLoop({
    credentials: sets.map((set) => set.name),
    // What the local broker does: the refresh use case, its outcome told by the runner.
    refresh: async (event) => {
      try {
        await refresh(parseRefreshRequest(event, sets), deps, { deadlineMs: Date.now() + 60_000 });
        outcomes.push(`${event.credential} ${event.reason} ok`);
      } catch (failure) {
        outcomes.push(
          `${event.credential} ${event.reason} ${((failure as RefreshFailure).cause as Error).name}`,
        );
      }
    },
    intervalMs: 60_000,
  });
  return { endpoint, outcomes, loop };
}

describe('Class: RefreshLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes every set at start, then on every interval', async () => {
    // Prepare
    const { endpoint, outcomes, loop } = setUp([TOKEN, TOKEN, TOKEN, TOKEN]);

    // Act
    await loop.start();
    await vi.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(outcomes).toEqual([
      'sandbox deploy ok',
      'production deploy ok',
      'sandbox schedule ok',
      'production schedule ok',
    ]);
    expect(endpoint.requests).toHaveLength(4);
    await loop.stop();
  });

  it('never rejects: a failed refresh is told by the runner only', async () => {
    const { outcomes, loop } = setUp([
      new TokenRequestRejected('sandbox', 401, 'invalid_client', 'x'),
      TOKEN,
    ]);
    await expect(loop.start()).resolves.toBeUndefined();
    expect(outcomes).toContain('sandbox deploy TokenRequestRejected');
    await loop.stop();
  });

  it('joins a refresh already running for the same set', async () => {
    const { endpoint, loop } = setUp([TOKEN]);
    const first = loop.refresh('sandbox', 'manual');
    const second = loop.refresh('sandbox', 'read-miss');
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('answers a self-healing trigger at once and refreshes in the background', async () => {
    const { outcomes, loop } = setUp([TOKEN]);
    await loop.trigger('production', 'read-miss');
    expect(outcomes).toEqual([]);
    await vi.waitFor(() => expect(outcomes).toEqual(['production read-miss ok']));
  });

  it('ignores a runner that rejects', async () => {
    const loop = new RefreshLoop({
      credentials: ['sandbox'],
      refresh: () =>
        Promise.reject(
          new RefreshFailure({ set: testCredential(), reason: 'manual' }, new Error('x'), {
            attempts: 0,
            secondsLeft: 0,
            notes: [],
          }),
        ),
      intervalMs: 60_000,
    });
    await expect(loop.refresh('sandbox', 'manual')).resolves.toBeUndefined();
  });

  it('does nothing once stopped, and aborts its signal', async () => {
    const { endpoint, loop } = setUp([TOKEN, TOKEN]);
    await loop.stop();
    await loop.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(endpoint.requests).toHaveLength(0);
    expect(loop.signal.aborted).toBe(true);
  });
});
