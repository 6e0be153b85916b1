/**
 * The local broker's retry chain: the loop's timers stand in for the SQS delay queue, and
 * the same lease (the in-process state store) keeps one chain per set.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenEndpointUnavailable } from '../../../lambda/core/errors.js';
import { parseRefreshRequest } from '../../../lambda/core/refresh-request.js';
import { type RetryChainDependencies, refreshWithRetries } from '../../../lambda/core/retry-chain.js';
import { RefreshLoop } from '../../../local/refresh-loop.js';
import {
  FakeCredentialSource,
  InMemoryTokenStore,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../fakes/in-memory-state.js';

const TOKEN = { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 };
const outage = () => new TokenEndpointUnavailable('sandbox', 'HTTP 503');

function setUp(script: unknown[]) {
  const endpoint = new ScriptedTokenEndpoint(script);
  const runs: string[] = [];
  const sets = [testCredential({ name: 'sandbox' })];
  const state = new InMemoryStateStore();
  let loop: RefreshLoop | undefined;
  const deps: RetryChainDependencies = {
    credentials: new FakeCredentialSource(),
    endpoint,
    store: new InMemoryTokenStore(),
    state,
    clock: { now: () => Date.now() },
    sleep: async () => undefined,
    random: () => 0,
    retries: {
      enqueue: (credential, ticket, delay) => (loop as RefreshLoop).enqueue(credential, ticket, delay),
    },
  };
  loop = new RefreshLoop({
    credentials: ['sandbox'],
    // What the local broker does (local/broker.ts): the refresh use case with its retry chain.
    refresh: async (event) => {
      const outcome = await refreshWithRetries(parseRefreshRequest(event, sets), deps, {
        deadlineMs: Date.now() + 60_000,
      }).catch(() => ({ outcome: 'failed' }));
      runs.push(`${event.reason}${event.retry ? `#${event.retry.attempt}` : ''} ${outcome.outcome}`);
    },
    intervalMs: 3_000_000,
  });
  return { endpoint, runs, loop, state };
}

describe('Class: RefreshLoop (retry chain)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a failed set on its own at 15 s, 30 s and 60 s, and stops at the first success', async () => {
    // Prepare: down for the first run (4 attempts) and two retries, then back
    const { runs, loop, state, endpoint } = setUp([
      outage(),
      outage(),
      outage(),
      outage(),
      outage(),
      outage(),
      TOKEN,
    ]);

    // Act
    await loop.start();
    await vi.advanceTimersByTimeAsync(14_999);
    const beforeFirstRetry = [...runs];
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(600_000);

    // Assess
    expect(beforeFirstRetry).toEqual(['deploy failed']);
    expect(runs).toEqual(['deploy failed', 'retry#1 failed', 'retry#2 failed', 'retry#3 written']);
    expect(endpoint.requests).toHaveLength(7);
    expect(loop.pendingRetries).toEqual([]);
    expect((await state.get('sandbox')).pendingRetry).toBeUndefined();
    await loop.stop();
  });

  it('keeps one chain when several triggers fail at once', async () => {
    // Prepare
    const { runs, loop } = setUp(Array.from({ length: 40 }, outage));

    // Act: the start round and three self-healing requests fail within the same moment
    await loop.start();
    await Promise.all([loop.trigger('sandbox', 'read-miss'), loop.trigger('sandbox', 'read-miss')]);
    await vi.advanceTimersByTimeAsync(0);
    await loop.refresh('sandbox', 'secret-rotated');
    const pending = loop.pendingRetries;
    await vi.advanceTimersByTimeAsync(15_000);

    // Assess: one retry timer, one retry run
    expect(pending).toEqual(['sandbox']);
    expect(runs.filter((run) => run.startsWith('retry'))).toEqual(['retry#1 failed']);
    await loop.stop();
  });

  it('drops pending retries on stop', async () => {
    // Prepare
    const { runs, loop } = setUp(Array.from({ length: 8 }, outage));
    await loop.start();

    // Act
    await loop.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(loop.pendingRetries).toEqual([]);
    expect(runs).toEqual(['deploy failed']);
  });
});
