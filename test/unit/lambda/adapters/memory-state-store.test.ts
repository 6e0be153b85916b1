import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../lambda/adapters/memory-state-store.js';
import { describeStateStoreContract } from '../../../support/store-contract.js';

describe('Class: MemoryStateStore', () => {
  // The same cases the DynamoDB state store meets on DynamoDB Local.
  describeStateStoreContract(async () => new MemoryStateStore());

  it('records only the fields a failure has, as the DynamoDB item reads them back', async () => {
    // Prepare
    const state = new MemoryStateStore();
    const failure = { name: 'X', message: 'm', at: 1, code: '', extra: 'not recorded' };

    // Act
    await state.recordFailure('a', failure);

    // Assess
    expect((await state.get('a')).lastFailure).toStrictEqual({ name: 'X', message: 'm', at: 1 });
  });
});
