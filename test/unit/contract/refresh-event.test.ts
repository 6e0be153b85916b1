import { describe, expect, it } from 'vitest';
import { isRefreshReason, REFRESH_REASONS, refreshEvent } from '../../../contract/refresh-event.js';

describe('Constant: REFRESH_REASONS', () => {
  it('lists every trigger of the refresher', () => {
    expect(REFRESH_REASONS).toStrictEqual([
      'schedule',
      'secret-rotated',
      'deploy',
      'read-miss',
      'rejected-token',
      'manual',
      'retry',
    ]);
  });
});

describe('Function: isRefreshReason', () => {
  it.each(REFRESH_REASONS)('knows %s', (reason) => {
    expect(isRefreshReason(reason)).toBe(true);
  });

  it.each(['schedule-or-invoke', 'Schedule', '', 'toString', 'constructor', undefined, null, 1])(
    'refuses %j',
    (value) => {
      expect(isRefreshReason(value)).toBe(false);
    },
  );
});

describe('Function: refreshEvent', () => {
  it('builds the input every trigger sends, as JSON the refresher reads', () => {
    // Act
    const event = refreshEvent('sandbox', 'deploy');

    // Assess
    expect(event).toStrictEqual({ credential: 'sandbox', reason: 'deploy' });
    expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
  });
});
