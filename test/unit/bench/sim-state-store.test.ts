import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../bench/sim/fleet.js';
import { Recorder } from '../../../bench/sim/recorder.js';
import { SimStateStore } from '../../../bench/sim/self-healing.js';

describe('Class: SimStateStore', () => {
  it('counts every retry-lease call as the DynamoDB write it stands for, the failed conditions too', async () => {
    // Prepare
    const recorder = new Recorder(0, 1_000);
    const state = new SimStateStore(new SimClock(), recorder);
    const run = { atSeconds: 0, untilSeconds: 60, owner: 'run-1' };

    // Act: a claim, a delivery's run, a duplicate delivery, a release, a release of nothing
    await state.claimRetry('s', { attempt: 1, dueAt: 15 }, { staleBeforeSeconds: 0, owner: 'claim-1' });
    await state.startRetry('s', { attempt: 1, dueAt: 15 }, run);
    await state.startRetry('s', { attempt: 1, dueAt: 15 }, { ...run, owner: 'run-2' });
    await state.releaseRetry('s', 15);
    await state.releaseRetry('s', 15);

    // Assess
    expect(recorder.counters.dynamoWrites).toBe(5);
    expect(recorder.counters.dynamoReads).toBe(0);
    expect(state.calls).toBe(5);
  });
});
