import { describe, expect, it } from 'vitest';
import { BrokerResponseInvalid } from '../../../../client/errors.js';
import { parseBrokerToken, parseJson } from '../../../../client/transports/transport.js';

const BROKER = 'function a55-reader';
const TOKEN = 'canary-access-token-0123456789';
const VIEW = {
  credential: 'production',
  accessToken: TOKEN,
  tokenType: 'Bearer',
  expiresAt: '2026-12-01T12:15:00.000Z',
  expiresIn: 3600,
} as const;

/** The error `parseBrokerToken` threw for `body`; fails when it did not throw. */
function refusal(body: unknown): BrokerResponseInvalid {
  try {
    parseBrokerToken(body, BROKER);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerResponseInvalid);
    return error as BrokerResponseInvalid;
  }
  throw new Error('parseBrokerToken accepted the body');
}

describe('Function: parseBrokerToken', () => {
  it('returns exactly the view, without any other field of the body', () => {
    expect(parseBrokerToken({ ...VIEW, extra: 'dropped' }, BROKER)).toEqual(VIEW);
  });

  it.each([0, 0.5, 86_400])('accepts expiresIn %j', (expiresIn) => {
    expect(parseBrokerToken({ ...VIEW, expiresIn }, BROKER).expiresIn).toBe(expiresIn);
  });

  it.each([
    ['null', null, 'not a JSON object'],
    ['undefined', undefined, 'not a JSON object'],
    ['a string', 'token', 'not a JSON object'],
    ['a number', 42, 'not a JSON object'],
    ['an array', [VIEW], 'not a JSON object'],
    ['no credential', { ...VIEW, credential: undefined }, 'credential is not a string'],
    ['a numeric credential', { ...VIEW, credential: 7 }, 'credential is not a string'],
    ['no accessToken', { ...VIEW, accessToken: undefined }, 'accessToken is missing'],
    ['an empty accessToken', { ...VIEW, accessToken: '' }, 'accessToken is missing'],
    ['a numeric accessToken', { ...VIEW, accessToken: 12345 }, 'accessToken is missing'],
    ['a lowercase tokenType', { ...VIEW, tokenType: 'bearer' }, 'tokenType is not Bearer'],
    ['no tokenType', { ...VIEW, tokenType: undefined }, 'tokenType is not Bearer'],
    ['an unparseable expiresAt', { ...VIEW, expiresAt: 'tomorrow' }, 'expiresAt is not an ISO-8601 date'],
    ['a numeric expiresAt', { ...VIEW, expiresAt: 1_764_590_100 }, 'expiresAt is not an ISO-8601 date'],
    // Date.parse(2026) reads it as the year: only a string may be a date.
    ['a year as a number', { ...VIEW, expiresAt: 2026 }, 'expiresAt is not an ISO-8601 date'],
    ['no expiresAt', { ...VIEW, expiresAt: undefined }, 'expiresAt is not an ISO-8601 date'],
    ['a string expiresIn', { ...VIEW, expiresIn: '3600' }, 'expiresIn is not a number'],
    ['no expiresIn', { ...VIEW, expiresIn: undefined }, 'expiresIn is not a number'],
    ['a NaN expiresIn', { ...VIEW, expiresIn: Number.NaN }, 'expiresIn is not a number'],
    ['an infinite expiresIn', { ...VIEW, expiresIn: Number.POSITIVE_INFINITY }, 'expiresIn is not a number'],
  ])('refuses %s, naming the field and the broker but never quoting the body', (_case, body, problem) => {
    // Act
    const error = refusal(body);

    // Assess
    expect(error.message).toBe(
      `the broker answered success with a malformed token view: ${problem} (broker: ${BROKER})`,
    );
    expect(error.broker).toBe(BROKER);
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('Function: parseJson', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['null', null],
    ['"x"', 'x'],
  ])('parses %s', (text, value) => {
    expect(parseJson(text)).toEqual(value);
  });

  it.each(['', 'not json', '{"a":'])('answers undefined for %j', (text) => {
    expect(parseJson(text)).toBeUndefined();
  });
});
