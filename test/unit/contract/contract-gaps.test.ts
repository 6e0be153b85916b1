/**
 * What the contract's other tests left open (issue #16): anchors of its patterns, the unit of
 * the interval message, names that only turn into a known key when coerced, and the Lambdas'
 * environment read as "blank is unset" with the bounds of each number.
 */
import { describe, expect, it } from 'vitest';
import {
  isReaderErrorName,
  parseReaderEnvironment,
  parseRefresherEnvironment,
  parseRetryAfter,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  refreshIntervalProblem,
  TokenBrokerConfigError,
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

describe('Function: parseReaderEnvironment', () => {
  const reader = { TABLE_NAME: 't', CREDENTIAL_NAMES: 'sandbox, production' };

  it('reads the names trimmed, the default cache, and no refresher when its name is blank', () => {
    expect(parseReaderEnvironment({ ...reader, REFRESHER_FUNCTION_NAME: '  ' })).toStrictEqual({
      tableName: 't',
      credentialNames: ['sandbox', 'production'],
      cacheSeconds: READER_CACHE_SECONDS.default,
    });
  });

  it('reads the refresher name trimmed', () => {
    expect(parseReaderEnvironment({ ...reader, REFRESHER_FUNCTION_NAME: ' refresher ' })).toMatchObject({
      refresherFunctionName: 'refresher',
    });
  });

  it.each([
    [String(READER_CACHE_SECONDS.min), READER_CACHE_SECONDS.min],
    [String(READER_CACHE_SECONDS.max), READER_CACHE_SECONDS.max],
    ['', READER_CACHE_SECONDS.default],
  ])('takes a cache of %j seconds', (value, seconds) => {
    expect(parseReaderEnvironment({ ...reader, READ_CACHE_SECONDS: value }).cacheSeconds).toBe(seconds);
  });

  it.each([String(READER_CACHE_SECONDS.min - 1), String(READER_CACHE_SECONDS.max + 1), '1.5'])(
    'refuses a cache of %j seconds, naming the variable and the bounds',
    (value) => {
      expect(() => parseReaderEnvironment({ ...reader, READ_CACHE_SECONDS: value })).toThrow(
        new TokenBrokerConfigError(
          `environment variable READ_CACHE_SECONDS is '${value}', expected an integer from ${READER_CACHE_SECONDS.min} to ${READER_CACHE_SECONDS.max}`,
        ),
      );
    },
  );

  it.each([undefined, '', '   '])('refuses a TABLE_NAME of %j, saying to redeploy', (value) => {
    expect(() => parseReaderEnvironment({ ...reader, TABLE_NAME: value })).toThrow(
      new TokenBrokerConfigError(
        'environment variable TABLE_NAME is not set; redeploy the stack, which sets it',
      ),
    );
  });
});

describe('Function: parseRefresherEnvironment', () => {
  const set = { name: 'sandbox', secretId: 'arn:secret' };
  const refresher = { TABLE_NAME: 't', CREDENTIALS: JSON.stringify([set]) };

  it('reads the retry queue URL trimmed, and none when it is blank', () => {
    expect(
      parseRefresherEnvironment({ ...refresher, RETRY_QUEUE_URL: ' https://sqs.example/q ' }),
    ).toMatchObject({
      retryQueueUrl: 'https://sqs.example/q',
    });
    expect(parseRefresherEnvironment({ ...refresher, RETRY_QUEUE_URL: ' ' })).not.toHaveProperty(
      'retryQueueUrl',
    );
  });

  it.each([undefined, '', '  '])(
    'says how to get the sets when CREDENTIALS is %j and there is no file',
    (value) => {
      expect(() => parseRefresherEnvironment({ TABLE_NAME: 't', CREDENTIALS: value })).toThrow(
        /^the refresher has neither refresher-config.json beside its code nor environment variable CREDENTIALS; redeploy/,
      );
    },
  );

  it.each([[{ name: 'sandbox' }], [{ name: 'sandbox', secretId: '' }]])(
    'refuses a set without a secretId: %j',
    (entry) => {
      expect(() =>
        parseRefresherEnvironment({ TABLE_NAME: 't', CREDENTIALS: JSON.stringify([entry]) }),
      ).toThrow(new TokenBrokerConfigError('CREDENTIALS[0].secretId is missing'));
    },
  );

  it('takes an empty CREDENTIALS as unset when the file is there', () => {
    const file = JSON.stringify({ credentials: [set] });
    expect(
      parseRefresherEnvironment({ TABLE_NAME: 't', CREDENTIALS: '' }, { file }).credentials,
    ).toHaveLength(1);
    expect(() => parseRefresherEnvironment({ TABLE_NAME: 't', CREDENTIALS: '[]' }, { file })).toThrow(
      /has both refresher-config.json and environment variable CREDENTIALS/,
    );
  });
});
