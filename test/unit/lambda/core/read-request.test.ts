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
    [JSON.parse('{"action": "status", "__proto__": {}}'), 'takes no other field'],
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

  it('takes a rejectedTokenHash', () => {
    expect(parseReadRequest({ rejectedTokenHash: '0123456789abcdef' }, NAMES)).toEqual({
      credential: 'sandbox',
      minValiditySeconds: 300,
      rejectedTokenHash: '0123456789abcdef',
    });
  });

  it('refuses more validity than half a token lifetime, with the contract wording', () => {
    expect(parseReadRequest({ minValiditySeconds: 1800 }, NAMES).minValiditySeconds).toBe(1800);
    const act = () => parseReadRequest({ minValiditySeconds: 1801 }, NAMES);
    expect(act).toThrow(BadRequest);
    expect(act).toThrow('minValiditySeconds must be an integer from 0 to 1800, got 1801');
    expect(() => parseReadRequest({ minValiditySeconds: 3600 }, NAMES)).toThrow('got 3600');
  });

  it.each([
    ['__proto__ (as JSON.parse makes it)', JSON.parse('{"__proto__": {"credential": "production"}}')],
    ['__proto__ holding a string', JSON.parse('{"__proto__": "x"}')],
    ['constructor', { constructor: 'x' }],
    ['prototype', { prototype: {} }],
    ['__proto__ next to a valid field', JSON.parse('{"credential": "sandbox", "__proto__": {}}')],
  ])('refuses %s as an unknown field', (_case, payload) => {
    const act = () => parseReadRequest(payload, NAMES);
    expect(act).toThrow(BadRequest);
    expect(act).toThrow(/unknown field '(__proto__|constructor|prototype)'/);
  });

  it('reads only its own fields, never inherited ones', () => {
    const inheriting = Object.create({ credential: 'production', minValiditySeconds: 'x' }) as object;
    expect(parseReadRequest(inheriting, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
  });

  it('says which set a one-set reader serves and how to get access to another', () => {
    const act = () => parseReadRequest({ credential: 'production' }, ['sandbox']);
    expect(act).toThrow(UnknownCredential);
    expect(act).toThrow(
      "credential 'production' is not served by this reader: it serves 'sandbox' only; " +
        "grant access to 'production' with broker.grantRead(grantee, 'production')",
    );
  });

  it('rejects a well-formed but unconfigured name with UnknownCredential listing the known ones', () => {
    const act = () => parseReadRequest({ credential: 'staging' }, NAMES);
    expect(act).toThrow(UnknownCredential);
    expect(act).toThrow("unknown credential 'staging': this broker serves 'sandbox', 'production'");
  });
});
