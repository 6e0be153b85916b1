import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenRequestRejected } from '../../../lambda/core/errors.js';
import { RefresherService } from '../../../lambda/core/refresher-service.js';
import { RefreshLoop } from '../../../local/refresh-loop.js';
import {
  InMemoryTokenStore,
  ScriptedTokenEndpoint,
  StaticCredentialSource,
  testCredential,
} from '../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../fakes/in-memory-state.js';

const TOKEN = { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 };

function setUp(script: unknown[]) {
  const endpoint = new ScriptedTokenEndpoint(script);
  const outcomes: string[] = [];
  const refresher = new RefresherService({
    configs: [testCredential({ name: 'sandbox' }), testCredential({ name: 'production' })],
    dependencies: {
      credentials: new StaticCredentialSource(),
      endpoint,
      store: new InMemoryTokenStore(),
      clock: { now: () => Date.now() },
      sleep: async () => undefined,
      random: () => 0,
    },
    state: new InMemoryStateStore(),
    observer: {
      succeeded: ({ config, reason }) => outcomes.push(`${config.name} ${reason} ok`),
      failed: ({ config, reason }, error) =>
        outcomes.push(`${config.name} ${reason} ${(error as Error).name}`),
      recordFailed: () => undefined,
      remainingUnknown: () => undefined,
    },
  });
  return { endpoint, outcomes, loop: new RefreshLoop({ refresher, intervalMs: 60_000 }) };
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

  it('never rejects: a failed refresh is told to the observer only', async () => {
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

  it('does nothing once stopped, and aborts its signal', async () => {
    const { endpoint, loop } = setUp([TOKEN, TOKEN]);
    await loop.stop();
    await loop.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(endpoint.requests).toHaveLength(0);
    expect(loop.signal.aborted).toBe(true);
  });
});
