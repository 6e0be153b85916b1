import { describe, expect, it } from 'vitest';
import { BadRequest, UnknownCredential } from '../../../lambda/core/errors.js';
import { parseRefreshRequest } from '../../../lambda/core/refresh-request.js';
import { testCredential } from '../../fakes/in-memory.js';

const sandbox = testCredential({ name: 'sandbox' });
const production = testCredential({ name: 'production' });

describe('Function: parseRefreshRequest', () => {
  it('picks the named set', () => {
    expect(parseRefreshRequest({ credential: 'production' }, [sandbox, production])).toEqual({
      config: production,
    });
  });

  it('defaults to the only set when the event names none', () => {
    expect(parseRefreshRequest({}, [sandbox])).toEqual({ config: sandbox });
  });

  it('keeps a known reason', () => {
    expect(parseRefreshRequest({ credential: 'sandbox', reason: 'secret-rotated' }, [sandbox])).toEqual({
      config: sandbox,
      reason: 'secret-rotated',
    });
  });

  it.each([
    ['no name with two sets', {}, BadRequest, 'must name a credential: one of sandbox, production'],
    ['a non-object event', 'sandbox', BadRequest, 'got a string'],
    ['a null event', null, BadRequest, 'got null'],
    ['a bad name', { credential: '../etc' }, BadRequest, '1-64 characters'],
    ['an unknown name', { credential: 'staging' }, UnknownCredential, "unknown credential 'staging'"],
    ['an unknown reason', { credential: 'sandbox', reason: 'because' }, BadRequest, 'reason must be one of'],
  ])('rejects %s', (_case, event, type, message) => {
    const act = () => parseRefreshRequest(event, [sandbox, production]);
    expect(act).toThrow(type);
    expect(act).toThrow(message);
  });
});
