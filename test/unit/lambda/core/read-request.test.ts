import { describe, expect, it } from 'vitest';
import { BadRequest, UnknownCredential } from '../../../../lambda/core/errors.js';
import { parseReaderRequest, parseReadRequest } from '../../../../lambda/core/read-request.js';

const NAMES = ['sandbox', 'production'];

describe('Function: parseReaderRequest', () => {
  it('recognises a status request', () => {
    expect(parseReaderRequest({ action: 'status' }, ['a'])).toEqual({ action: 'status' });
  });

  it('treats everything else as a token request', () => {
    expect(parseReaderRequest({ action: 'token', credential: 'a' }, ['a'])).toEqual({
      action: 'token',
      request: { credential: 'a', minValiditySeconds: 300 },
    });
    expect(parseReaderRequest(null, ['a'])).toMatchObject({ action: 'token' });
  });

  it.each([
    [{ action: 'refresh' }, "action must be 'token' or 'status', got 'refresh'"],
    [{ action: 7 }, 'got a number'],
    [{ action: 'status', credential: 'a' }, 'takes no other field'],
  ])('rejects %j', (payload, message) => {
    const act = () => parseReaderRequest(payload, ['a']);
    expect(act).toThrow(BadRequest);
    expect(act).toThrow(message);
  });
});

describe('Function: parseReadRequest', () => {
  it('defaults to the first credential and 300 s of validity', () => {
    expect(parseReadRequest({}, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
    expect(parseReadRequest(undefined, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
    expect(parseReadRequest(null, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
  });

  it('takes a named credential and a validity', () => {
    expect(parseReadRequest({ credential: 'production', minValiditySeconds: 0 }, NAMES)).toEqual({
      credential: 'production',
      minValiditySeconds: 0,
    });
  });

  it.each([
    ['an array', [], 'must be a JSON object, got an array'],
    ['a string', 'sandbox', 'got a string'],
    ['a number', 42, 'got a number'],
    ['an unknown field', { credentials: 'sandbox' }, "unknown field 'credentials'"],
    ['a numeric credential', { credential: 7 }, 'credential must be a string'],
    ['bad name characters', { credential: 'Prod_1' }, 'credential must match [a-z0-9-]{1,64}'],
    ['a 65-character name', { credential: 'a'.repeat(65) }, 'credential must match [a-z0-9-]{1,64}'],
    ['negative validity', { minValiditySeconds: -1 }, 'got -1'],
    ['huge validity', { minValiditySeconds: 1e9 }, 'got 1000000000'],
    ['validity as a string', { minValiditySeconds: '300' }, 'got a string'],
    ['NaN validity', { minValiditySeconds: Number.NaN }, 'got NaN'],
    ['fractional validity', { minValiditySeconds: 1.5 }, 'got 1.5'],
  ])('rejects %s with BadRequest', (_case, payload, message) => {
    const act = () => parseReadRequest(payload, NAMES);
    expect(act).toThrow(BadRequest);
    expect(act).toThrow(message);
  });

  it('rejects a well-formed but unconfigured name with UnknownCredential listing the known ones', () => {
    const act = () => parseReadRequest({ credential: 'staging' }, NAMES);
    expect(act).toThrow(UnknownCredential);
    expect(act).toThrow("unknown credential 'staging': this broker serves 'sandbox', 'production'");
  });
});
