/**
 * What the A55 client's other tests left open (issue #16): the exact request it sends, the
 * 2xx boundary, the exact messages, bodies cut and redacted, and the signal passed on to the
 * broker, with a recording fetch and a token source of the test's own.
 */
import { describe, expect, it, vi } from 'vitest';
import type { TokenSource } from '../../../client/a55-client.js';
import { A55ApiError, A55Client, ClientConfigError } from '../../../client/index.js';

const BASE = 'https://api.example.a55.tech/api/v1';

/** A token source handing out `tokens` in turn (the last repeats) and recording what it was asked. */
function tokenSource(...tokens: string[]) {
  const asked: ({ signal?: AbortSignal } | undefined)[] = [];
  const invalidated: string[] = [];
  const source: TokenSource = {
    getToken: async (options) => {
      asked.push(options);
      return (tokens.length > 1 ? tokens.shift() : tokens[0]) as string;
    },
    invalidate: (token) => invalidated.push(token),
  };
  return { source, asked, invalidated };
}

/** A fetch answering `answers` in turn (the last repeats) with `status` and body text. */
function scriptedFetch(...answers: [status: number, text: string][]) {
  return vi.fn(async (_url: Parameters<typeof fetch>[0], _init?: RequestInit) => {
    const [status, text] = (answers.length > 1 ? answers.shift() : answers[0]) as [number, string];
    return new Response(text === '' ? null : text, { status });
  });
}

/** The error `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('the request resolved');
  return outcome;
}

describe('Class: A55Client', () => {
  describe('Method: constructor', () => {
    it('says which base URL is not a URL, cut to 200 characters', () => {
      expect(
        () => new A55Client({ broker: tokenSource('t').source, baseUrl: `not a url ${'x'.repeat(300)}` }),
      ).toThrow(
        new ClientConfigError(
          `A55 baseUrl '${`not a url ${'x'.repeat(300)}`.slice(0, 200)}' is not a valid URL`,
        ),
      );
    });

    it('drops the base URL query and fragment, and adds the trailing slash once', async () => {
      const fetch = scriptedFetch([200, '{}']);
      const a55 = new A55Client({ broker: tokenSource('t').source, baseUrl: `${BASE}/?debug=1#x`, fetch });
      await a55.request('GET', 'wallets');
      expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/wallets`);
    });
  });

  describe('Method: request', () => {
    it('sends no body without one, the JSON of one with one, with the default JSON headers', async () => {
      // Prepare
      const fetch = scriptedFetch([200, '{}']);
      const a55 = new A55Client({ broker: tokenSource('tok-1').source, baseUrl: BASE, fetch });

      // Act
      await a55.request('GET', '/wallets');
      await a55.request('POST', '/charges', { body: { amount: 0 } });

      // Assess
      const [get, post] = fetch.mock.calls.map((call) => call[1] as RequestInit);
      expect(get?.body).toBeUndefined();
      expect(post?.body).toBe('{"amount":0}');
      const headers = new Headers(get?.headers);
      expect(headers.get('authorization')).toBe('Bearer tok-1');
      expect(headers.get('content-type')).toBe('application/json');
      expect(headers.get('accept')).toBe('application/json');
      expect(get?.redirect).toBe('manual');
      expect(get?.method).toBe('GET');
    });

    it("keeps the caller's content-type and accept", async () => {
      const fetch = scriptedFetch([200, '{}']);
      const a55 = new A55Client({ broker: tokenSource('t').source, baseUrl: BASE, fetch });
      await a55.request('PUT', '/files', { headers: { 'Content-Type': 'text/csv', Accept: 'text/plain' } });
      const headers = new Headers(fetch.mock.calls[0]?.[1]?.headers);
      expect(headers.get('content-type')).toBe('text/csv');
      expect(headers.get('accept')).toBe('text/plain');
    });

    it('passes the caller signal to the broker on both token requests', async () => {
      // Prepare
      const { source, asked } = tokenSource('old', 'new');
      const fetch = scriptedFetch([401, ''], [200, '{}']);
      const a55 = new A55Client({ broker: source, baseUrl: BASE, fetch });
      const signal = new AbortController().signal;

      // Act
      await a55.request('GET', '/x', { signal });

      // Assess
      expect(asked).toEqual([{ signal }, { signal }]);
    });

    it.each([
      [200, '{"a":1}', { a: 1 }],
      [299, '[1]', [1]],
      [204, '', undefined],
      [200, '  \n', undefined],
    ])('answers HTTP %j with body %j as %j', async (status, text, expected) => {
      const fetch = scriptedFetch([status, text]);
      const a55 = new A55Client({ broker: tokenSource('t').source, baseUrl: BASE, fetch });
      expect(await a55.request('GET', '/x')).toEqual(expected);
    });

    it.each([300, 302, 403, 500])('throws A55ApiError for HTTP %j, without retrying', async (status) => {
      // Prepare
      const { source, invalidated } = tokenSource('tok');
      const fetch = scriptedFetch([status, 'nope']);
      const a55 = new A55Client({ broker: source, baseUrl: BASE, fetch });

      // Act
      const error = await rejection(a55.request('GET', '/x?page=2'));

      // Assess
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error).toMatchObject({ status, method: 'GET', path: '/api/v1/x', body: 'nope' });
      expect(error.message).toBe(`A55 API GET /api/v1/x answered HTTP ${status}: nope`);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(invalidated).toEqual([]);
    });

    it('says a fresh token was refused too when both 401s had different tokens', async () => {
      const { source, invalidated } = tokenSource('tok-a', 'tok-b');
      const fetch = scriptedFetch([401, 'no'], [401, 'still no']);
      const a55 = new A55Client({ broker: source, baseUrl: BASE, fetch });
      const error = await rejection(a55.request('GET', '/x'));
      expect(error.message).toBe(
        'A55 API GET /api/v1/x answered HTTP 401 (a fresh token was rejected too: check the credential set): still no',
      );
      expect(invalidated).toEqual(['tok-a']);
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('says the broker had no other token when it answered with the refused one', async () => {
      const fetch = scriptedFetch([401, 'no']);
      const a55 = new A55Client({ broker: tokenSource('tok-a').source, baseUrl: BASE, fetch });
      const error = await rejection(a55.request('GET', '/x'));
      expect(error.message).toBe(
        'A55 API GET /api/v1/x answered HTTP 401 (the broker had no other token: check the credential set and the refresher): no',
      );
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('cuts the body to 200 characters in the message and 4096 in the error, the token redacted', async () => {
      // Prepare: a body echoing the token, then 5000 characters
      const body = `token=tok-secret ${'b'.repeat(5000)}`;
      const fetch = scriptedFetch([400, body]);
      const a55 = new A55Client({ broker: tokenSource('tok-secret').source, baseUrl: BASE, fetch });

      // Act
      const error = (await rejection(a55.request('GET', '/x'))) as A55ApiError;

      // Assess
      const redacted = body.replace('tok-secret', '[token redacted]');
      expect(error.message).toBe(`A55 API GET /api/v1/x answered HTTP 400: ${redacted.slice(0, 200)}`);
      expect(error.body).toBe(redacted.slice(0, 4096));
      expect(error.body).toHaveLength(4096);
    });

    it('throws A55ApiError for a 2xx body that is not JSON, the body cut and redacted', async () => {
      const body = `<html>tok-x ${'h'.repeat(5000)}`;
      const fetch = scriptedFetch([200, body]);
      const a55 = new A55Client({ broker: tokenSource('tok-x').source, baseUrl: BASE, fetch });
      const error = (await rejection(a55.request('GET', '/x'))) as A55ApiError;
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error.message).toBe('A55 API GET /api/v1/x answered HTTP 200 with a body that is not JSON');
      expect(error).toMatchObject({ status: 200, method: 'GET', path: '/api/v1/x' });
      expect(error.body).toBe(body.replace('tok-x', '[token redacted]').slice(0, 4096));
    });

    it('leaves a body alone when the token source gave an empty token', async () => {
      const fetch = scriptedFetch([400, 'abc']);
      const a55 = new A55Client({ broker: tokenSource('').source, baseUrl: BASE, fetch });
      const error = (await rejection(a55.request('GET', '/x'))) as A55ApiError;
      expect(error.body).toBe('abc');
    });

    it('repeats a query key for each array item and leaves undefined values out', async () => {
      const fetch = scriptedFetch([200, '{}']);
      const a55 = new A55Client({ broker: tokenSource('t').source, baseUrl: BASE, fetch });
      await a55.request('GET', '\\\\/wallets', { query: { tag: ['a', 1, true], none: undefined, page: 0 } });
      expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/wallets?tag=a&tag=1&tag=true&page=0`);
    });
  });
});
