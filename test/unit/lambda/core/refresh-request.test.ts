import { describe, expect, it } from 'vitest';
import { BadRequest, UnknownCredential } from '../../../../lambda/core/errors.js';
import { parseRefreshRequest } from '../../../../lambda/core/refresh-request.js';
import { testCredential } from '../../../fakes/in-memory.js';

const sandbox = testCredential({ name: 'sandbox' });
const production = testCredential({ name: 'production' });

describe('Function: parseRefreshRequest', () => {
  it('picks the named set', () => {
    expect(parseRefreshRequest({ credential: 'production' }, [sandbox, production])).toEqual({
      set: production,
      reason: 'manual',
    });
  });

  it('defaults to the only set when the event names none', () => {
    expect(parseRefreshRequest({}, [sandbox])).toEqual({ set: sandbox, reason: 'manual' });
  });

  it('keeps a known reason', () => {
    expect(parseRefreshRequest({ credential: 'sandbox', reason: 'secret-rotated' }, [sandbox])).toEqual({
      set: sandbox,
      reason: 'secret-rotated',
    });
  });

  it('picks the configured set an event names, with its reason, and refuses an unknown one', () => {
    expect(
      parseRefreshRequest({ credential: 'production', reason: 'read-miss' }, [sandbox, production]),
    ).toEqual({ set: production, reason: 'read-miss' });
    expect(() => parseRefreshRequest({ credential: 'staging' }, [sandbox, production])).toThrow(
      UnknownCredential,
    );
  });

  it.each([
    ['no name with two sets', {}, BadRequest, 'must name a credential: one of sandbox, production'],
    ['a non-object event', 'sandbox', BadRequest, 'got a string'],
    ['a null event', null, BadRequest, 'got null'],
    ['a bad name', { credential: '../etc' }, BadRequest, 'credential must match [a-z0-9-]{1,64}'],
    ['an unknown name', { credential: 'staging' }, UnknownCredential, "unknown credential 'staging'"],
    ['an unknown reason', { credential: 'sandbox', reason: 'because' }, BadRequest, 'reason must be one of'],
  ])('rejects %s', (_case, event, type, message) => {
    const act = () => parseRefreshRequest(event, [sandbox, production]);
    expect(act).toThrow(type);
    expect(act).toThrow(message);
  });
});
