import { describe, expect, it } from 'vitest';
import { isCredentialName } from '../../../contract/credential-set.js';
import {
  A55_TOKEN_LIFETIME_SECONDS,
  CREDENTIAL_NAME_PATTERN,
  CREDENTIAL_NAME_RULE,
  integerRangeProblem,
  MIN_VALIDITY_SECONDS,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  refreshIntervalProblem,
  STATE_KEY_SUFFIX,
  stateKey,
} from '../../../contract/limits.js';

describe('Function: stateKey', () => {
  it("appends '#state' to the credential name", () => {
    expect(stateKey('sandbox')).toBe('sandbox#state');
    expect(stateKey('sandbox').endsWith(STATE_KEY_SUFFIX)).toBe(true);
  });

  it('never yields a credential name, so a state item cannot shadow a token item', () => {
    for (const name of ['a', 'default', 'prod-2', 'z'.repeat(64)]) {
      expect(isCredentialName(name)).toBe(true);
      expect(isCredentialName(stateKey(name))).toBe(false);
    }
  });
});

describe('Function: integerRangeProblem', () => {
  it.each([0, 1, 3599, 3600])('accepts %j within 0..3600', (value) => {
    expect(integerRangeProblem(value, 0, 3600)).toBeUndefined();
  });

  it.each([-1, 3601, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '300', null, undefined])(
    'refuses %s',
    (value) => {
      expect(integerRangeProblem(value, 0, 3600)).toBe('must be an integer from 0 to 3600');
    },
  );
});

describe('Limits', () => {
  it('words the name rule as the pattern it checks', () => {
    expect(CREDENTIAL_NAME_RULE).toBe(`must match ${CREDENTIAL_NAME_PATTERN.source.slice(1, -1)}`);
  });

  it.each([
    ['MIN_VALIDITY_SECONDS', MIN_VALIDITY_SECONDS, { min: 0, max: 1800, default: 300 }],
    ['REFRESH_INTERVAL_MINUTES', REFRESH_INTERVAL_MINUTES, { min: 5, max: 54, default: 50 }],
    ['READER_CACHE_SECONDS', READER_CACHE_SECONDS, { min: 0, max: 300, default: 30 }],
  ])('%s has its documented bounds, the default within them', (_name, bounds, expected) => {
    expect(bounds).toStrictEqual(expected);
    expect(integerRangeProblem(bounds.default, bounds.min, bounds.max)).toBeUndefined();
  });

  it('accepts no minValiditySeconds a fresh A55 token could not serve for half its life', () => {
    // Decision D2: a caller's demand can then add at most one refresh per 30 minutes (48 a day).
    expect(MIN_VALIDITY_SECONDS.max).toBe(A55_TOKEN_LIFETIME_SECONDS / 2);
    expect(integerRangeProblem(1801, MIN_VALIDITY_SECONDS.min, MIN_VALIDITY_SECONDS.max)).toBe(
      'must be an integer from 0 to 1800',
    );
  });

  it('keeps the reader cache no longer than the shortest refresh interval', () => {
    expect(READER_CACHE_SECONDS.max).toBeLessThanOrEqual(REFRESH_INTERVAL_MINUTES.min * 60);
  });

  it('keeps the scheduled token above the default validity at the next run, up to the largest interval', () => {
    // The token fetched at run k has lifetime - 60 * interval seconds left when run k+1 fires.
    const leftAtNextRun = (minutes: number) => A55_TOKEN_LIFETIME_SECONDS - 60 * minutes;
    expect(A55_TOKEN_LIFETIME_SECONDS).toBe(3600);
    expect(leftAtNextRun(REFRESH_INTERVAL_MINUTES.max)).toBeGreaterThan(MIN_VALIDITY_SECONDS.default);
    // One more minute and a caller asking for the default validity would find no token to serve.
    expect(leftAtNextRun(REFRESH_INTERVAL_MINUTES.max + 1)).toBeLessThanOrEqual(MIN_VALIDITY_SECONDS.default);
    expect(leftAtNextRun(REFRESH_INTERVAL_MINUTES.default)).toBeGreaterThan(MIN_VALIDITY_SECONDS.default);
  });
});

describe('Function: refreshIntervalProblem', () => {
  it.each([5, 50, 54])('accepts %i minutes', (minutes) => {
    expect(refreshIntervalProblem(minutes)).toBeUndefined();
  });

  it('refuses 55 minutes, saying why: the token would be at 300 s when the next run fires', () => {
    expect(refreshIntervalProblem(55)).toBe(
      'must be an integer from 5 to 54 (an A55 token lives 3600 s: at the next run it must still have ' +
        'more than the default minValiditySeconds, 300 s, left)',
    );
  });

  it.each([4, 0, 50.5, '50', Number.NaN])('refuses %j with the range', (minutes) => {
    expect(refreshIntervalProblem(minutes)).toBe('must be an integer from 5 to 54');
  });
});
