import { describe, expect, it } from 'vitest';
import { BadRequest, UnknownCredential } from '../../../lambda/core/errors.js';
import { selectCredential } from '../../../lambda/core/refresh-request.js';
import { testCredential } from '../../fakes/in-memory.js';

const sandbox = testCredential({ name: 'sandbox' });
const production = testCredential({ name: 'production' });

describe('Function: selectCredential', () => {
  it('picks the named set', () => {
    expect(selectCredential({ credential: 'production' }, [sandbox, production])).toBe(production);
  });

  it('defaults to the only set when the event names none', () => {
    expect(selectCredential({}, [sandbox])).toBe(sandbox);
  });

  it.each([
    ['no name with two sets', {}, BadRequest, 'must name a credential: one of sandbox, production'],
    ['a non-object event', 'sandbox', BadRequest, 'got a string'],
    ['a null event', null, BadRequest, 'got null'],
    ['a bad name', { credential: '../etc' }, BadRequest, '1-64 characters'],
    ['an unknown name', { credential: 'staging' }, UnknownCredential, "unknown credential 'staging'"],
  ])('rejects %s', (_case, event, type, message) => {
    const act = () => selectCredential(event, [sandbox, production]);
    expect(act).toThrow(type);
    expect(act).toThrow(message);
  });
});
