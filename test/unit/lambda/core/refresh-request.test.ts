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

describe('Function: parseRefreshRequest (retry tickets)', () => {
  const sets = [testCredential({ name: 'sandbox' })];

  it('carries the ticket of a retry event', () => {
    const request = parseRefreshRequest(
      { credential: 'sandbox', reason: 'retry', retry: { attempt: 2, dueAt: 1_795_000_030 } },
      sets,
    );
    expect(request).toMatchObject({ reason: 'retry', retry: { attempt: 2, dueAt: 1_795_000_030 } });
    expect(parseRefreshRequest({ credential: 'sandbox', reason: 'schedule' }, sets)).not.toHaveProperty(
      'retry',
    );
  });

  it.each([
    ['no ticket', undefined],
    ['attempt 0', { attempt: 0, dueAt: 1 }],
    ['a fractional attempt', { attempt: 1.5, dueAt: 1 }],
    ['a string dueAt', { attempt: 1, dueAt: '1' }],
    ['a negative dueAt', { attempt: 1, dueAt: -1 }],
  ])('refuses a retry with %s', (_case, retry) => {
    expect(() => parseRefreshRequest({ credential: 'sandbox', reason: 'retry', retry }, sets)).toThrow(
      BadRequest,
    );
  });

  it('refuses a ticket with any other reason', () => {
    expect(() =>
      parseRefreshRequest({ credential: 'sandbox', reason: 'manual', retry: { attempt: 1, dueAt: 1 } }, sets),
    ).toThrow('only sent with reason retry');
  });
});
