import { describe, expect, it } from 'vitest';
import { BadRequest } from '../../../lambda/core/errors.js';
import { parseReaderRequest } from '../../../lambda/core/read.js';

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
