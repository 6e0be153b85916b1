/**
 * A thin `fetch` wrapper for the A55 API: Bearer token from the broker, JSON in and out,
 * one retry with a fresh token on 401 (a token revoked or rotated before its expiry),
 * a timeout per attempt, and errors that never carry the token.
 */
import { isSecureOrLoopback } from '../contract/index.js';
import { A55ApiError, A55RequestError, A55TimeoutError } from './a55-errors.js';
import { ClientConfigError } from './errors.js';

/** Where tokens come from: a {@link TokenBrokerClient}, or anything shaped like one. */
export interface TokenSource {
  getToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** Drops `token` if it is the cached one; the next token asked for must be another. */
  invalidate(token: string): unknown;
}

/** Options of {@link A55Client}. */
export interface A55ClientOptions {
  /** Gives the Bearer token. */
  readonly broker: TokenSource;
  /**
   * The API's base URL; https, or http to a loopback stand-in only.
   * @default 'https://core-manager.a55.tech/api/v1'
   */
  readonly baseUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Abort an attempt that has not answered (headers and body) after this long.
   * @default 30000
   */
  readonly timeoutMs?: number;
}

/** A query parameter value; arrays repeat the key, undefined leaves it out. */
export type QueryValue = string | number | boolean | undefined | readonly (string | number | boolean)[];

/** Per-request options of {@link A55Client.request}. */
export interface A55RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Extra headers; `Authorization` is always the client's own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the request (the caller's own reason is thrown). */
  readonly signal?: AbortSignal;
}

/** The production API. */
export const A55_API_BASE_URL = 'https://core-manager.a55.tech/api/v1';

/** Longest response body kept in an {@link A55ApiError}. */
const MAX_ERROR_BODY = 4_096;

/** One attempt's answer, body read within the attempt's timeout. */
interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * Calls the A55 API with a broker token.
 *
 * @example
 * const a55 = new A55Client({ broker: new TokenBrokerClient() });
 * const wallets = await a55.request<Wallet[]>('GET', '/wallets', { query: { page: 1 } });
 * @example
 * // The sandbox:
 * const sandbox = new A55Client({ broker, baseUrl: 'https://sandbox.example.a55.tech/api/v1' });
 */
export class A55Client {
  readonly #broker: TokenSource;
  readonly #base: URL;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  /** @throws ClientConfigError for a malformed base URL or plain http to a remote host. */
  constructor(options: A55ClientOptions) {
    this.#broker = options.broker;
    this.#base = baseUrl(options.baseUrl ?? A55_API_BASE_URL);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Sends `method path` and returns the parsed JSON answer (undefined for an empty body).
   * On 401 it drops the token, gets another from the broker (saying which one was
   * rejected) and tries once more; never with the same token.
   *
   * @param path below the base URL, e.g. `/wallets` or `wallets/123`
   * @throws A55ApiError for a status outside 2xx (or a 2xx body that is not JSON),
   *   A55TimeoutError, A55RequestError, a TokenBrokerError from the broker, or the
   *   signal's reason when the caller aborts.
   * @example
   * const charge = await a55.request('POST', '/charges', { body: { amount: 1000 } });
   */
  async request<T = unknown>(method: string, path: string, options: A55RequestOptions = {}): Promise<T> {
    const url = this.#url(path, options.query);
    const shownPath = url.pathname;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);

    const tried = [await this.#broker.getToken({ signal: options.signal })];
    let answer = await this.#attempt(method, url, tried[0] as string, body, options);
    if (answer.status === 401) {
      // The broker is told which token was refused (a hash of it) and answers with another,
      // or TokenUnavailable while it fetches one. The same token again would only be refused again.
      this.#broker.invalidate(tried[0] as string);
      const next = await this.#broker.getToken({ signal: options.signal });
      if (!tried.includes(next)) {
        tried.push(next);
        answer = await this.#attempt(method, url, next, body, options);
      }
    }

    const text = tried.reduce(redact, answer.text);
    if (answer.status < 200 || answer.status > 299) {
      const advice =
        answer.status !== 401
          ? ''
          : tried.length > 1
            ? ' (a fresh token was rejected too: check the credential set)'
            : ' (the broker had no other token: check the credential set and the refresher)';
      throw new A55ApiError(
        `A55 API ${method} ${shownPath} answered HTTP ${answer.status}${advice}: ${text.slice(0, 200)}`,
        { method, path: shownPath, status: answer.status, body: text.slice(0, MAX_ERROR_BODY) },
      );
    }
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new A55ApiError(
        `A55 API ${method} ${shownPath} answered HTTP ${answer.status} with a body that is not JSON`,
        {
          method,
          path: shownPath,
          status: answer.status,
          body: text.slice(0, MAX_ERROR_BODY),
        },
      );
    }
  }

  /** One fetch, body included, under the timeout and the caller's signal. */
  async #attempt(
    method: string,
    url: URL,
    token: string,
    body: string | undefined,
    options: A55RequestOptions,
  ): Promise<Answer> {
    const headers = new Headers(options.headers);
    headers.set('authorization', `Bearer ${token}`);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      // Redirects are not followed: the token must reach the A55 API host and nothing else.
      const response = await this.#fetch(url, { method, headers, body, signal, redirect: 'manual' });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw new A55TimeoutError(method, url.pathname, this.#timeoutMs);
      throw new A55RequestError(method, url.pathname, error);
    }
  }

  /** `path` below the base, on the base's origin whatever `path` holds. */
  #url(path: string, query: A55RequestOptions['query']): URL {
    const url = new URL(`${this.#base.href}${path.replace(/^[/\\]+/, '')}`);
    if (url.origin !== this.#base.origin) {
      throw new ClientConfigError(`path '${path.slice(0, 100)}' leaves the A55 API base URL`);
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      const values: readonly (string | number | boolean)[] = Array.isArray(value) ? value : [value];
      for (const item of values) url.searchParams.append(key, String(item));
    }
    return url;
  }
}

/** The base URL with one trailing slash, checked for https. */
function baseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ClientConfigError(`A55 baseUrl '${raw.slice(0, 200)}' is not a valid URL`);
  }
  if (!isSecureOrLoopback(url)) {
    throw new ClientConfigError(
      `A55 baseUrl '${url.origin}' must use https: the Bearer token must not travel unencrypted`,
    );
  }
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** Replaces the token wherever a response body echoes it. */
function redact(text: string, token: string): string {
  return token === '' ? text : text.replaceAll(token, '[token redacted]');
}
