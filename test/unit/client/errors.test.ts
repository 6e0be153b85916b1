/**
 * The client's error classes and helpers, from outside: each class spells its own name (a
 * minified consumer bundle would lose the class name), keeps its cause (the leak tests walk
 * it, so dropping it must fail a test), and clips what the other side sent.
 */
import { describe, expect, it } from 'vitest';
import { clip, describeCause, readerError } from '../../../client/errors.js';
import {
  A55ApiError,
  A55RequestError,
  A55TimeoutError,
  BadRequest,
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  InternalError,
  MethodNotAllowed,
  NotFound,
  TokenUnavailable,
  UnknownCredential,
} from '../../../client/index.js';
import { READER_ERROR_STATUS } from '../../../contract/index.js';

const BROKER = 'function a55-reader';

describe('Errors of the token client', () => {
  it.each([
    ['BadRequest', BadRequest],
    ['UnknownCredential', UnknownCredential],
    ['NotFound', NotFound],
    ['MethodNotAllowed', MethodNotAllowed],
    ['TokenUnavailable', TokenUnavailable],
    ['InternalError', InternalError],
    ['BrokerAccessDenied', BrokerAccessDenied],
    ['BrokerUnavailable', BrokerUnavailable],
    ['BrokerResponseInvalid', BrokerResponseInvalid],
  ])('%s spells its name, names the broker and keeps the status and cause', (name, type) => {
    // Prepare
    const cause = new Error('socket hang up');

    // Act
    const error = new type('it failed', { broker: BROKER, status: 503, cause });

    // Assess
    expect(error).toMatchObject({
      name,
      broker: BROKER,
      status: 503,
      message: `it failed (broker: ${BROKER})`,
    });
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(`${name}: it failed (broker: ${BROKER})`);
  });

  it('has no cause and no status when given none', () => {
    const error = new BadRequest('bad', { broker: BROKER });
    expect('cause' in error).toBe(false);
    expect(error.status).toBeUndefined();
  });

  it('ClientConfigError spells its name', () => {
    expect(String(new ClientConfigError('no broker'))).toBe('ClientConfigError: no broker');
  });

  it('TokenUnavailable and BrokerUnavailable keep their own fields', () => {
    expect(new TokenUnavailable('x', { broker: BROKER, retryAfterSeconds: 2 }).retryAfterSeconds).toBe(2);
    expect(new TokenUnavailable('x', { broker: BROKER }).retryAfterSeconds).toBeUndefined();
    expect(new BrokerUnavailable('x', { broker: BROKER, errorType: 'Sandbox.Timedout' }).errorType).toBe(
      'Sandbox.Timedout',
    );
  });
});

describe('Errors of the A55 client', () => {
  it('A55ApiError keeps the method, path, status and body', () => {
    const error = new A55ApiError('refused', { method: 'GET', path: '/api/v1/x', status: 409, body: '{}' });
    expect(error).toMatchObject({
      name: 'A55ApiError',
      method: 'GET',
      path: '/api/v1/x',
      status: 409,
      body: '{}',
    });
    expect(String(error)).toBe('A55ApiError: refused');
  });

  it('A55TimeoutError says how long it waited', () => {
    const error = new A55TimeoutError('POST', '/api/v1/charges', 30_000);
    expect(error).toMatchObject({ name: 'A55TimeoutError', timeoutMs: 30_000, method: 'POST' });
    expect(error.message).toBe('A55 API POST /api/v1/charges did not answer within 30000 ms');
  });

  it('A55RequestError says what failed below fetch, and keeps it as its cause', () => {
    const cause = Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED') });
    const error = new A55RequestError('GET', '/api/v1/x', cause);
    expect(error.name).toBe('A55RequestError');
    expect(error.message).toBe('A55 API GET /api/v1/x failed: fetch failed: connect ECONNREFUSED');
    expect(error.cause).toBe(cause);
  });
});

describe('Function: clip', () => {
  it.each([
    ['abc', 3, 'abc'],
    ['abcd', 3, 'abc…'],
    ['', 0, ''],
  ])('clip(%j, %j) -> %j', (text, max, clipped) => {
    expect(clip(text, max)).toBe(clipped);
  });

  it('keeps 500 characters by default', () => {
    expect(clip('x'.repeat(500))).toBe('x'.repeat(500));
    expect(clip('x'.repeat(501))).toBe(`${'x'.repeat(500)}…`);
  });
});

describe('Function: describeCause', () => {
  it.each([
    ['a thrown string', 'boom', 'boom'],
    ['an Error', new Error('fetch failed'), 'fetch failed'],
    [
      'an Error with an Error cause',
      new Error('fetch failed', { cause: new Error('ECONNRESET') }),
      'fetch failed: ECONNRESET',
    ],
    ['an Error with a string cause', new Error('fetch failed', { cause: 'ECONNRESET' }), 'fetch failed'],
  ])('describes %s', (_case, error, text) => {
    expect(describeCause(error)).toBe(text);
  });

  it('cuts the description to 300 characters', () => {
    expect(describeCause('y'.repeat(400))).toBe(`${'y'.repeat(300)}…`);
    expect(describeCause(new Error('z'.repeat(400)))).toBe(`${'z'.repeat(300)}…`);
  });
});

describe('Function: readerError', () => {
  it.each(Object.keys(READER_ERROR_STATUS))('makes the class named %s, message clipped to 500', (name) => {
    const error = readerError(name, 'm'.repeat(600), { broker: BROKER });
    expect(error.name).toBe(name);
    expect(error.message).toBe(`${'m'.repeat(500)}… (broker: ${BROKER})`);
  });

  it('makes BrokerUnavailable of a name outside the contract, keeping the name as errorType', () => {
    const error = readerError('Runtime.ExitError', 'exited', { broker: BROKER, status: 502 });
    expect(error).toBeInstanceOf(BrokerUnavailable);
    expect(error).toMatchObject({
      errorType: 'Runtime.ExitError',
      status: 502,
      message: `the reader failed with Runtime.ExitError: exited (broker: ${BROKER})`,
    });
  });

  it('cuts a long unknown name to 100 characters', () => {
    const error = readerError('E'.repeat(150), 'x', { broker: BROKER });
    expect(error.message).toBe(`the reader failed with ${'E'.repeat(100)}…: x (broker: ${BROKER})`);
  });
});
