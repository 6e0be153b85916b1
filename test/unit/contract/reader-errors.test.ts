import { describe, expect, it } from 'vitest';
import {
  INTERNAL_ERROR,
  INTERNAL_ERROR_MESSAGE,
  isReaderErrorName,
  READER_ERROR_STATUS,
  type ReaderErrorName,
  readerAnswerFor,
} from '../../../contract/reader-errors.js';

const NAMES = Object.keys(READER_ERROR_STATUS) as ReaderErrorName[];
/** Property names every object inherits: a lookup must never mistake one for an error name. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('Constant: READER_ERROR_STATUS', () => {
  it('gives every reader error name its HTTP status', () => {
    expect(READER_ERROR_STATUS).toStrictEqual({
      BadRequest: 400,
      UnknownCredential: 404,
      NotFound: 404,
      MethodNotAllowed: 405,
      TokenUnavailable: 503,
      InternalError: 500,
    });
  });

  it('answers unexpected failures with InternalError and a message that reveals nothing', () => {
    expect(INTERNAL_ERROR).toBe('InternalError');
    expect(INTERNAL_ERROR_MESSAGE).toBe('internal error; see the reader logs');
  });
});

describe('Function: isReaderErrorName', () => {
  it.each(NAMES)('knows %s', (name) => {
    expect(isReaderErrorName(name)).toBe(true);
  });

  it.each([...INHERITED, 'Error', 'TypeError', 'badrequest', '', undefined, null, 400])(
    'refuses %j',
    (name) => {
      expect(isReaderErrorName(name)).toBe(false);
    },
  );
});

describe('Function: readerAnswerFor', () => {
  it.each(NAMES.filter((name) => READER_ERROR_STATUS[name] < 500))('exposes %s with its status', (name) => {
    expect(readerAnswerFor(name)).toStrictEqual({ name, status: READER_ERROR_STATUS[name], expose: true });
  });

  it('exposes TokenUnavailable with 503: the caller should retry, not report a bug', () => {
    expect(readerAnswerFor('TokenUnavailable')).toStrictEqual({
      name: 'TokenUnavailable',
      status: 503,
      expose: true,
    });
  });

  it('exposes no other name at 500 or above', () => {
    const exposedAtOrAbove500 = NAMES.filter((name) => {
      const answer = readerAnswerFor(name);
      return answer.expose && answer.status >= 500;
    });
    expect(exposedAtOrAbove500).toEqual(['TokenUnavailable']);
  });

  it.each([
    'InternalError',
    'Error',
    'TypeError',
    'ConditionalCheckFailedException',
    'Sandbox.Timedout',
    undefined,
    null,
    42,
    ...INHERITED,
  ])('hides %j behind a generic InternalError', (name) => {
    expect(readerAnswerFor(name)).toStrictEqual({ name: 'InternalError', status: 500, expose: false });
  });
});
