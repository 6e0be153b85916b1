import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../../../lambda/adapters/memory-token-store.js';
import { describeTokenStoreContract, tokenAt } from '../../../support/store-contract.js';

describe('Class: MemoryTokenStore', () => {
  // The same cases the DynamoDB store meets on DynamoDB Local.
  describeTokenStoreContract(async () => new MemoryTokenStore());

  it('keeps each store apart: two brokers in one process share nothing', async () => {
    // Prepare
    const first = new MemoryTokenStore();
    const second = new MemoryTokenStore();

    // Act
    await first.put(tokenAt({ fetchedAt: 0 }));

    // Assess
    expect(await second.get('sandbox')).toBeUndefined();
  });

  it('judges expiry by the system clock when put is given no clock', async () => {
    // Prepare: an item that expired a minute ago by the system clock.
    const store = new MemoryTokenStore();
    const expired = {
      ...tokenAt({ fetchedAt: 0 }),
      fetchedAt: Date.now() / 1000,
      expiresAt: Date.now() / 1000 - 60,
    };
    await store.put(expired);

    // Act
    const outcome = await store.put({
      ...expired,
      fetchedAt: expired.fetchedAt - 10,
      expiresAt: expired.expiresAt + 3600,
    });

    // Assess
    expect(outcome).toEqual({ result: 'written' });
  });
});
