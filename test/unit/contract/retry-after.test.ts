import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../contract/retry-after.js';

describe('Function: parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);

  it.each([
    ['120', 120],
    ['5', 5],
    [' 7 ', 7],
    [' 12 ', 12],
    ['Fri, 27 Nov 2026 12:00:30 GMT', 30],
    ['Fri, 27 Nov 2026 11:00:00 GMT', 0],
  ])('reads %j as %j seconds', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  it.each([[null], [undefined], ['soon'], ['-5'], ['1.5'], [''], ['Someday, 99 Foo 2026']])(
    'ignores %j',
    (header) => {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    },
  );

  it('rounds a date a fraction of a second ahead up to a whole second', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 12:00:30 GMT', now + 29_500)).toBe(1);
  });
});
