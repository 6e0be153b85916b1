import { describe, expect, it } from 'vitest';
import { RETRY_CHAIN, type RetryTicket, retryDelaySeconds } from '../../../../contract/index.js';
import { TokenEndpointUnavailable, TokenRequestRejected } from '../../../../lambda/core/errors.js';
import type { RetryQueue } from '../../../../lambda/core/ports.js';
import { RefreshFailure } from '../../../../lambda/core/refresh.js';
import type { RefreshRequest } from '../../../../lambda/core/refresh-request.js';
import { type RetryChainDependencies, refreshWithRetries } from '../../../../lambda/core/retry-chain.js';
import {
  FakeCredentialSource,
  InMemoryTokenStore,
  ManualClock,
  ScriptedTokenEndpoint,
  testCredential,
} from '../../../fakes/in-memory.js';
import { InMemoryStateStore } from '../../../fakes/in-memory-state.js';

const okBody = { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600 };
const outage = () => new TokenEndpointUnavailable('default', 'HTTP 503');

/** A retry queue that records what it was asked to deliver, and can be made to fail. */
class RecordingRetryQueue implements RetryQueue {
  readonly sent: Array<{ credential: string; ticket: RetryTicket; delaySeconds: number }> = [];
  readonly failures: Error[] = [];
  async enqueue(credential: string, ticket: RetryTicket, delaySeconds: number): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ credential, ticket, delaySeconds });
  }
}

function setup(script: Array<unknown | Error>) {
  const clock = new ManualClock();
  const state = new InMemoryStateStore();
  const retries = new RecordingRetryQueue();
  const endpoint = new ScriptedTokenEndpoint(script);
  const credentials = new FakeCredentialSource();
  const deps: RetryChainDependencies = {
    credentials,
    endpoint,
    store: new InMemoryTokenStore(),
    state,
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
    retries,
  };
  const run = (request: RefreshRequest) =>
    refreshWithRetries(request, deps, { deadlineMs: clock.now() + 57_000 }).catch((error: unknown) => error);
  return { clock, state, retries, endpoint, credentials, deps, run };
}

const request = (reason: RefreshRequest['reason'], retry?: RetryTicket): RefreshRequest => ({
  set: testCredential(),
  reason,
  ...(retry === undefined ? {} : { retry }),
});

describe('Function: retryDelaySeconds', () => {
  it('waits 15 s, then 30 s, then 60 s for every later retry', () => {
    expect([1, 2, 3, 4, 10, 1_000].map(retryDelaySeconds)).toEqual([15, 30, 60, 60, 60, 60]);
    expect(RETRY_CHAIN.maxDelaySeconds).toBe(60);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses attempt %s', (attempt) => {
    expect(() => retryDelaySeconds(attempt)).toThrow(RangeError);
  });
});

describe('Function: refreshWithRetries', () => {
  it('starts a chain after a retryable failure: takes the lease and sends retry 1 in 15 s', async () => {
    // Prepare: the endpoint is down for every in-run attempt
    const { clock, state, retries, run } = setup([outage(), outage(), outage(), outage()]);

    // Act
    const failure = await run(request('schedule'));

    // Assess
    expect(failure).toBeInstanceOf(RefreshFailure);
    const dueAt = Math.floor(clock.now() / 1000) + 15;
    expect(retries.sent).toEqual([
      { credential: 'default', ticket: { attempt: 1, dueAt }, delaySeconds: 15 },
    ]);
    expect((failure as RefreshFailure).retry).toEqual({
      kind: 'scheduled',
      attempt: 1,
      dueAt,
      delaySeconds: 15,
    });
    expect((await state.get('default')).pendingRetry).toEqual({ attempt: 1, dueAt });
  });

  it('does not start a chain for a failure retrying cannot fix', async () => {
    // Prepare
    const { retries, run } = setup([new TokenRequestRejected('default', 400, 'invalid_scope', 'fix scope')]);

    // Act
    const failure = (await run(request('schedule'))) as RefreshFailure;

    // Assess
    expect(failure.retry).toEqual({ kind: 'ended' });
    expect(retries.sent).toEqual([]);
  });

  it('keeps one chain however many runs fail at once (schedule, async retries, readers, rotation)', async () => {
    // Prepare: every request fails
    const { state, retries, run } = setup(Array.from({ length: 40 }, outage));

    // Act: ten runs that are not the chain's fail concurrently
    const failures = (await Promise.all(
      (['schedule', 'read-miss', 'secret-rotated', 'deploy', 'read-miss'] as const).flatMap((reason) => [
        run(request(reason)),
        run(request(reason)),
      ]),
    )) as RefreshFailure[];

    // Assess: one retry sent, the other nine found the chain pending
    expect(retries.sent).toHaveLength(1);
    expect(failures.map((failure) => failure.retry?.kind).sort()).toEqual([
      ...Array(9).fill('pending'),
      'scheduled',
    ]);
    expect((await state.get('default')).pendingRetry).toEqual(retries.sent[0]?.ticket);
  });

  it('continues the chain from its own retry run with capped backoff, and a stale ticket does nothing', async () => {
    // Prepare
    const { clock, retries, endpoint, run } = setup(Array.from({ length: 40 }, outage));
    await run(request('schedule'));

    // Act: follow the chain five times, each retry run arriving when it is due
    for (let step = 0; step < 5; step++) {
      const last = retries.sent.at(-1) as (typeof retries.sent)[number];
      clock.advance(last.delaySeconds * 1000);
      await run(request('retry', last.ticket));
    }
    const requestsBefore = endpoint.requests.length;
    // A duplicate delivery of an old retry: its lease is gone
    const stale = await run(request('retry', retries.sent[1]?.ticket));

    // Assess
    expect(retries.sent.map((sent) => [sent.ticket.attempt, sent.delaySeconds])).toEqual([
      [1, 15],
      [2, 30],
      [3, 60],
      [4, 60],
      [5, 60],
      [6, 60],
    ]);
    expect(stale).toEqual({
      credential: 'default',
      reason: 'retry',
      outcome: 'retry-not-needed',
      attempt: 2,
    });
    expect(endpoint.requests).toHaveLength(requestsBefore);
  });

  it('makes one token request per retry run: the chain is the retry', async () => {
    // Prepare
    const { retries, endpoint, run, clock } = setup(Array.from({ length: 10 }, outage));
    await run(request('schedule'));
    const afterFirstRun = endpoint.requests.length;
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);

    // Act
    await run(request('retry', first.ticket));

    // Assess
    expect(afterFirstRun).toBe(4);
    expect(endpoint.requests).toHaveLength(afterFirstRun + RETRY_CHAIN.tokenAttemptsPerRun);
  });

  it('stops at the first success: the lease is gone and the pending retry does nothing', async () => {
    // Prepare: down for the first run, up again for the next one
    const { clock, state, retries, endpoint, run } = setup([outage(), outage(), outage(), outage(), okBody]);
    await run(request('schedule'));
    const pending = retries.sent[0] as (typeof retries.sent)[number];

    // Act: a reader's refresh succeeds first, then the retry arrives
    const report = await run(request('read-miss'));
    clock.advance(pending.delaySeconds * 1000);
    const late = await run(request('retry', pending.ticket));

    // Assess
    expect(report).toMatchObject({ outcome: 'written' });
    expect((await state.get('default')).pendingRetry).toBeUndefined();
    expect(late).toMatchObject({ outcome: 'retry-not-needed' });
    expect(endpoint.requests).toHaveLength(5);
    expect(retries.sent).toHaveLength(1);
  });

  it('stops when the secret is rejected: no further retry is sent', async () => {
    // Prepare
    const rejected = new TokenRequestRejected('default', 401, 'invalid_client', 'paste the pair');
    const { clock, retries, state, run } = setup([outage(), outage(), outage(), outage(), rejected]);
    await run(request('schedule'));
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);

    // Act
    const failure = (await run(request('retry', first.ticket))) as RefreshFailure;

    // Assess
    expect(failure.secretRejected).toBe(true);
    expect(failure.retry).toEqual({ kind: 'ended' });
    expect(retries.sent).toHaveLength(1);
    expect((await state.get('default')).pendingRetry).toBeUndefined();
  });

  it('gives the lease back when its retry cannot be sent, so the next failure starts a chain at once', async () => {
    // Prepare
    const { state, retries, run } = setup(Array.from({ length: 20 }, outage));
    retries.failures.push(new Error('SendMessage failed'));

    // Act
    const lost = (await run(request('schedule'))) as RefreshFailure;
    const afterLoss = await state.get('default');
    const next = (await run(request('read-miss'))) as RefreshFailure;

    // Assess: no lease without a message
    expect(lost.retry).toEqual({ kind: 'not-scheduled', error: new Error('SendMessage failed') });
    expect(afterLoss.pendingRetry).toBeUndefined();
    expect(next.retry).toMatchObject({ kind: 'scheduled', attempt: 1 });
    expect(retries.sent).toHaveLength(1);
  });

  it("gives back a retry run's extended lease when its next retry cannot be sent", async () => {
    // Prepare
    const { clock, state, retries, run } = setup(Array.from({ length: 20 }, outage));
    await run(request('schedule'));
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);
    retries.failures.push(new Error('SendMessage failed'));

    // Act
    const lost = (await run(request('retry', first.ticket))) as RefreshFailure;

    // Assess
    expect(lost.retry).toMatchObject({ kind: 'not-scheduled' });
    expect((await state.get('default')).pendingRetry).toBeUndefined();
  });

  it('gives the lease back when the claim failed after it may have been written', async () => {
    // Prepare: the claim is written, then its answer is lost (a timeout after the write)
    const { state, retries, run } = setup(Array.from({ length: 20 }, outage));
    const claim = state.claimRetry.bind(state);
    let calls = 0;
    state.claimRetry = async (...args) => {
      await claim(...args);
      calls++;
      throw new Error('socket hang up');
    };

    // Act
    const failure = (await run(request('schedule'))) as RefreshFailure;

    // Assess
    expect(calls).toBe(1);
    expect(failure.retry).toMatchObject({ kind: 'not-scheduled' });
    expect((await state.get('default')).pendingRetry).toBeUndefined();
    expect(retries.sent).toEqual([]);
  });

  it('never gives back a lease another chain holds, and one it cannot give back lapses after its grace', async () => {
    // Prepare: the send fails, and so does the release
    const { clock, state, retries, run } = setup(Array.from({ length: 30 }, outage));
    retries.failures.push(new Error('SendMessage failed'));
    const release = state.releaseRetry.bind(state);
    state.releaseRetry = async () => {
      throw new Error('UpdateItem failed');
    };

    // Act
    const lost = (await run(request('schedule'))) as RefreshFailure;
    const tooSoon = (await run(request('schedule'))) as RefreshFailure;
    clock.advance((15 + RETRY_CHAIN.leaseGraceSeconds + 1) * 1000);
    const takenOver = (await run(request('schedule'))) as RefreshFailure;
    const held = (await state.get('default')).pendingRetry;
    await release('default', (held?.dueAt ?? 0) - 1);

    // Assess
    expect(lost.retry).toMatchObject({ kind: 'not-scheduled' });
    expect(tooSoon.retry).toEqual({ kind: 'pending' });
    expect(takenOver.retry).toMatchObject({ kind: 'scheduled', attempt: 1 });
    expect(retries.sent).toHaveLength(1);
    expect((await state.get('default')).pendingRetry).toEqual(held);
  });

  it('runs a retry once when SQS delivers its message twice at the same moment', async () => {
    // Prepare
    const { clock, retries, endpoint, run } = setup(Array.from({ length: 10 }, outage));
    await run(request('schedule'));
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);
    const before = endpoint.requests.length;

    // Act
    const outcomes = await Promise.all([
      run(request('retry', first.ticket)),
      run(request('retry', first.ticket)),
    ]);

    // Assess: one token request, one next retry; the duplicate did nothing
    expect(endpoint.requests).toHaveLength(before + 1);
    expect(outcomes.filter((outcome) => outcome instanceof RefreshFailure)).toHaveLength(1);
    expect(outcomes).toContainEqual({
      credential: 'default',
      reason: 'retry',
      outcome: 'retry-not-needed',
      attempt: 1,
    });
    expect(retries.sent).toHaveLength(2);
  });

  it("holds a delivery's run until its deadline plus the margin, then lets a redelivery take it over", async () => {
    // Prepare: a delivery took the run and its Lambda died (no outcome recorded)
    const { clock, state, retries, endpoint, run } = setup(Array.from({ length: 10 }, outage));
    await run(request('schedule'));
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);
    const nowSeconds = Math.floor(clock.now() / 1000);
    const untilSeconds = nowSeconds + 57 + RETRY_CHAIN.runHoldMarginSeconds;
    expect(
      await state.startRetry('default', first.ticket, {
        atSeconds: nowSeconds,
        untilSeconds,
        owner: 'a-delivery-that-died',
      }),
    ).toBe(true);
    const before = endpoint.requests.length;

    // Act: SQS redelivers within the hold, then after it
    clock.advance((untilSeconds - nowSeconds) * 1000);
    const withinHold = await run(request('retry', first.ticket));
    clock.advance(1000);
    const afterHold = (await run(request('retry', first.ticket))) as RefreshFailure;

    // Assess
    expect(withinHold).toMatchObject({ outcome: 'retry-not-needed' });
    expect(afterHold).toBeInstanceOf(RefreshFailure);
    expect(afterHold.retry).toMatchObject({ kind: 'scheduled', attempt: 2 });
    expect(endpoint.requests).toHaveLength(before + 1);
  });

  it('holds the run until the deadline (rounded up) plus the margin', async () => {
    // Prepare
    const { clock, state, retries, deps } = setup(Array.from({ length: 10 }, outage));
    await refreshWithRetries(request('schedule'), deps, { deadlineMs: clock.now() + 57_000 }).catch(
      () => undefined,
    );
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000 + 250);
    const startedAt = clock.now();
    let held: number | undefined;
    const start = state.startRetry.bind(state);
    state.startRetry = async (credential, ticket, options) => {
      held = options.untilSeconds;
      expect(options.atSeconds).toBe(Math.floor(startedAt / 1000));
      return start(credential, ticket, options);
    };

    // Act
    await refreshWithRetries(request('retry', first.ticket), deps, { deadlineMs: startedAt + 30_500 }).catch(
      () => undefined,
    );

    // Assess
    expect(held).toBe(Math.ceil((startedAt + 30_500) / 1000) + RETRY_CHAIN.runHoldMarginSeconds);
  });

  it('runs the retry when its run cannot be taken (a state-item error must not end the chain)', async () => {
    // Prepare
    const { clock, state, retries, endpoint, run } = setup(Array.from({ length: 10 }, outage));
    await run(request('schedule'));
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);
    state.failures.push(new Error('UpdateItem failed'));
    const before = endpoint.requests.length;

    // Act
    const failure = (await run(request('retry', first.ticket))) as RefreshFailure;

    // Assess: it ran, and the failed take is noted for the log (single flight is off for it)
    expect(endpoint.requests).toHaveLength(before + 1);
    expect(failure.retry).toMatchObject({ kind: 'scheduled', attempt: 2 });
    expect(failure.notes[0]).toEqual({ kind: 'run-not-taken', error: new Error('UpdateItem failed') });
  });

  it('keeps the chain when a lease write was applied and its answer lost (the SDK sent it again)', async () => {
    // Prepare: every lease write is applied, its answer lost, and the same write sent again
    const { clock, state, retries, endpoint, run } = setup(Array.from({ length: 10 }, outage));
    const owners: string[] = [];
    const claim = state.claimRetry.bind(state);
    state.claimRetry = async (credential, ticket, options) => {
      owners.push(options.owner);
      await claim(credential, ticket, options);
      return claim(credential, ticket, options);
    };
    const start = state.startRetry.bind(state);
    state.startRetry = async (credential, ticket, options) => {
      owners.push(options.owner);
      await start(credential, ticket, options);
      return start(credential, ticket, options);
    };

    // Act: a failure starts the chain, its retry's only delivery runs and fails again
    const started = (await run(request('schedule'))) as RefreshFailure;
    const first = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(first.delaySeconds * 1000);
    const before = endpoint.requests.length;
    const retried = (await run(request('retry', first.ticket))) as RefreshFailure;

    // Assess: the run was taken and the next retry sent; each write had its own owner
    expect(started.retry).toMatchObject({ kind: 'scheduled', attempt: 1 });
    expect(retried).toBeInstanceOf(RefreshFailure);
    expect(endpoint.requests).toHaveLength(before + 1);
    expect(retried.retry).toMatchObject({ kind: 'scheduled', attempt: 2 });
    expect(retries.sent).toHaveLength(2);
    expect(new Set(owners).size).toBe(3);
  });

  it('continues the chain with a message whose send failed after SQS accepted it (its lease was given back)', async () => {
    // Prepare: the first send is accepted, but its answer is an error
    const { clock, state, retries, endpoint, run } = setup(Array.from({ length: 10 }, outage));
    const enqueue = retries.enqueue.bind(retries);
    let answered = 0;
    retries.enqueue = async (credential, ticket, delaySeconds) => {
      await enqueue(credential, ticket, delaySeconds);
      answered += 1;
      if (answered === 1) throw new Error('SendMessage timed out');
    };
    const started = (await run(request('schedule'))) as RefreshFailure;
    const released = (await state.get('default')).pendingRetry;
    const arrived = retries.sent[0] as (typeof retries.sent)[number];
    clock.advance(arrived.delaySeconds * 1000);
    const before = endpoint.requests.length;

    // Act: the message that did arrive, delivered twice
    const outcomes = await Promise.all([
      run(request('retry', arrived.ticket)),
      run(request('retry', arrived.ticket)),
    ]);

    // Assess: the lease had been given back; the delivery ran once and sent the next retry
    expect(started.retry).toMatchObject({ kind: 'not-scheduled' });
    expect(released).toBeUndefined();
    expect(endpoint.requests).toHaveLength(before + 1);
    expect(outcomes.filter((outcome) => outcome instanceof RefreshFailure)).toHaveLength(1);
    expect(retries.sent.map((sent) => sent.ticket.attempt)).toEqual([1, 2]);
    expect((await state.get('default')).pendingRetry).toMatchObject({ attempt: 2 });
  });

  it('starts no chain without a retry queue (the refresher without RETRY_QUEUE_URL)', async () => {
    // Prepare
    const { deps, clock, state } = setup([outage(), outage(), outage(), outage()]);
    const { retries: _none, ...withoutQueue } = deps;

    // Act
    const failure = await refreshWithRetries(request('schedule'), withoutQueue, {
      deadlineMs: clock.now() + 57_000,
    }).catch((error: unknown) => error as RefreshFailure);

    // Assess
    expect((failure as RefreshFailure).retry).toBeUndefined();
    expect((await state.get('default')).pendingRetry).toBeUndefined();
  });
});
