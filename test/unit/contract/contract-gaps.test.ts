/**
 * What the contract's other tests left open (issue #16): anchors of its patterns, the unit of
 * the interval message, and names that only turn into a known key when coerced.
 */
import { describe, expect, it } from 'vitest';
import {
  isReaderErrorName,
  parseRetryAfter,
  REFRESH_INTERVAL_MINUTES,
  refreshIntervalProblem,
  withoutUserInfo,
} from '../../../contract/index.js';

describe('Function: withoutUserInfo', () => {
  it('hides the user information of the URL itself', () => {
    expect(withoutUserInfo('https://user:pw@auth.example/token')).toBe('https://***@auth.example/token');
  });

  it('leaves a URL without user information alone, whatever its query holds', () => {
    const url = 'https://auth.example/token?next=http://u:p@other.example';
    expect(withoutUserInfo(url)).toBe(url);
  });
});

describe('Function: refreshIntervalProblem', () => {
  const { min, max } = REFRESH_INTERVAL_MINUTES;

  it('appends the unit to the range when given one', () => {
    expect(refreshIntervalProblem(min - 1, 'minutes')).toBe(
      `must be an integer from ${min} to ${max} minutes`,
    );
    expect(refreshIntervalProblem(min - 1)).toBe(`must be an integer from ${min} to ${max}`);
  });

  it('explains the maximum only for a number above it', () => {
    expect(refreshIntervalProblem(String(max + 6))).toBe(`must be an integer from ${min} to ${max}`);
    expect(refreshIntervalProblem(max + 1)).toMatch(/ \(an A55 token lives 3600 s: at the next run/);
  });
});

describe('Function: isReaderErrorName', () => {
  it('takes only a string, not a value that coerces to a known name', () => {
    expect(isReaderErrorName('BadRequest')).toBe(true);
    expect(isReaderErrorName(['BadRequest'])).toBe(false);
  });
});

describe('Function: parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it.each([
    // Date.parse reads both, but neither is an HTTP date (those start with a day name).
    ['1 Dec 2026 12:00:10 GMT'],
    ['a 2026'],
  ])('refuses %j', (header) => {
    expect(Number.isNaN(Date.parse(header))).toBe(false);
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:10 GMT', now)).toBe(10);
  });
});
