/**
 * What the URL transport's other tests left open (issue #16): exact messages and fields of
 * each failure, signing failures, the default timeout, the path forms, the region fallbacks,
 * with a recording fetch (no network).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  TokenUnavailable,
  UrlTransport,
} from '../../../../client/index.js';
import { brokerToken, CANARY } from '../fakes.js';

const LOCAL = 'http://127.0.0.1:8787';
const FUNCTION_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' };

/** A fetch answering `status`, body text and headers. */
function answering(status: number, text: string, headers: Record<string, string> = {}) {
  return vi.fn(
    async (_url: Parameters<typeof fetch>[0], _init?: RequestInit) => new Response(text, { status, headers }),
  );
}

/** The error `fetchToken` failed with; fails the test when it resolved. */
async function failureOf(transport: UrlTransport): Promise<Error> {
  const outcome = await transport.fetchToken({ minValiditySeconds: 300 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('fetchToken resolved');
  return outcome;
}

describe('Class: UrlTransport', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  describe('Method: constructor', () => {
    it.each([
      [`${LOCAL}`, `${LOCAL}/token`],
      [`${LOCAL}/`, `${LOCAL}/token`],
      [`${LOCAL}//`, `${LOCAL}/token`],
      [`${LOCAL}/token`, `${LOCAL}/token`],
      [`${LOCAL}/token/`, `${LOCAL}/token`],
      [`${LOCAL}/tokens`, `${LOCAL}/tokens/token`],
      [`${LOCAL}/broker/token?x=1#f`, `${LOCAL}/broker/token`],
    ])('reads tokens from %s at %s', async (url, endpoint) => {
      const fetch = answering(200, JSON.stringify(brokerToken(CANARY)));
      await new UrlTransport({ url, fetch }).fetchToken({ minValiditySeconds: 1 });
      expect(String(fetch.mock.calls[0]?.[0])).toBe(`${endpoint}?minValiditySeconds=1`);
    });

    it('names the origin as the broker', () => {
      expect(new UrlTransport({ url: `${LOCAL}/token` }).description).toBe(LOCAL);
    });

    it.each([
      ['nonsense', "token broker url 'nonsense' is not a valid URL"],
      [`x${'y'.repeat(300)}`, `token broker url 'x${'y'.repeat(199)}…' is not a valid URL`],
      ['ftp://127.0.0.1/', "token broker url 'ftp://127.0.0.1' must use https (or http to the local broker)"],
    ])('refuses %j', (url, message) => {
      expect(() => new UrlTransport({ url })).toThrow(new ClientConfigError(message));
    });

    it('signs for the region in AWS_DEFAULT_REGION when AWS_REGION is unset and the host names none', async () => {
      // Prepare
      vi.stubEnv('AWS_REGION', undefined as unknown as string);
      vi.stubEnv('AWS_DEFAULT_REGION', 'sa-east-1');
      const fetch = answering(200, JSON.stringify(brokerToken(CANARY)));

      // Act
      await new UrlTransport({
        url: 'https://broker.example.com',
        fetch,
        credentials: CREDENTIALS,
      }).fetchToken({
        minValiditySeconds: 1,
      });

      // Assess
      const headers = fetch.mock.calls[0]?.[1]?.headers as Record<string, string>;
      expect(headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/sa-east-1\/lambda\/aws4_request/);
    });

    it('refuses to sign without a region, also when AWS_REGION is empty', () => {
      vi.stubEnv('AWS_REGION', '');
      vi.stubEnv('AWS_DEFAULT_REGION', undefined as unknown as string);
      expect(() => new UrlTransport({ url: 'https://broker.example.com', credentials: CREDENTIALS })).toThrow(
        new ClientConfigError(
          "no region to sign requests to 'https://broker.example.com' for: pass the region option or set AWS_REGION",
        ),
      );
    });
  });

  describe('Method: fetchToken', () => {
    it('asks for JSON, without redirects, encoding the query', async () => {
      const fetch = answering(200, JSON.stringify(brokerToken(CANARY)));
      await new UrlTransport({ url: LOCAL, fetch }).fetchToken({
        credential: 'a-b',
        minValiditySeconds: 0,
        rejectedTokenHash: '0123456789abcdef',
      });
      const [url, init] = fetch.mock.calls[0] as [URL, RequestInit];
      expect(String(url)).toBe(
        `${LOCAL}/token?credential=a-b&minValiditySeconds=0&rejectedTokenHash=0123456789abcdef`,
      );
      expect(init.headers).toEqual({ accept: 'application/json' });
      expect(init.redirect).toBe('manual');
    });

    it('gives up after 5 s by default', async () => {
      // Prepare: the timeout signal is the test's, fired at once; the fetch ends when it fires
      const expiry = new AbortController();
      const timeout = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(expiry.signal);
      const fetch = vi.fn(
        (_url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) =>
          new Promise<Response>((_resolve, reject) => {
            if (init?.signal?.aborted) reject(init.signal.reason);
            init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
          }),
      );
      const transport = new UrlTransport({ url: LOCAL, fetch });

      // Act
      const pending = failureOf(transport);
      expiry.abort(new DOMException('The operation timed out.', 'TimeoutError'));
      const error = await pending;

      // Assess
      expect(timeout).toHaveBeenCalledWith(5_000);
      expect(fetch.mock.calls[0]?.[1]?.signal).toBe(expiry.signal);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error.message).toBe(
        `could not reach the reader URL (no answer within 5000 ms) (broker: ${LOCAL})`,
      );
    });

    it('says what failed below fetch, keeping it as the cause', async () => {
      const cause = new TypeError('fetch failed', {
        cause: new Error('connect ECONNREFUSED 127.0.0.1:8787'),
      });
      const fetch = vi.fn(async () => {
        throw cause;
      });
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch }));
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error.message).toBe(
        `could not reach the reader URL (request failed: fetch failed: connect ECONNREFUSED 127.0.0.1:8787) (broker: ${LOCAL})`,
      );
      expect(error.cause).toBe(cause);
    });

    it('refuses a 200 that is not JSON, with its status', async () => {
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch: answering(200, '<html>') }));
      expect(error).toBeInstanceOf(BrokerResponseInvalid);
      expect(error).toMatchObject({
        status: 200,
        message: `the reader URL answered 200 with a body that is not JSON (broker: ${LOCAL})`,
      });
    });

    it("turns the reader's error body into its error, with the status and Retry-After", async () => {
      const fetch = answering(503, JSON.stringify({ error: 'TokenUnavailable', message: 'no token yet' }), {
        'retry-after': '7',
      });
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch }));
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({
        status: 503,
        retryAfterSeconds: 7,
        message: `no token yet (broker: ${LOCAL})`,
      });
    });

    it('keeps an empty message and no Retry-After when the reader body has neither', async () => {
      const fetch = answering(400, JSON.stringify({ error: 'BadRequest', message: 42 }));
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch }));
      expect(error).toMatchObject({ name: 'BadRequest', status: 400, message: ` (broker: ${LOCAL})` });
      expect(error).not.toHaveProperty('retryAfterSeconds');
    });

    it.each([
      ['a JSON null', 'null'],
      ['a JSON string', '"Forbidden"'],
      ['a body with a numeric error', '{"error":403}'],
      ['text', 'Forbidden'],
    ])('turns a 403 with %s into BrokerAccessDenied that says what to grant', async (_case, text) => {
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch: answering(403, text) }));
      expect(error).toBeInstanceOf(BrokerAccessDenied);
      expect(error).toMatchObject({
        status: 403,
        message:
          'the Function URL refused the signed request (HTTP 403): grant lambda:InvokeFunctionUrl and ' +
          'lambda:InvokeFunction on the reader (broker.grantRead in CDK), and check the region and the clock' +
          ` (broker: ${LOCAL})`,
      });
    });

    it('turns another answer without a reader body into BrokerUnavailable, the text cut to 200', async () => {
      const text = `Bad Gateway ${'g'.repeat(300)}`;
      const error = await failureOf(new UrlTransport({ url: LOCAL, fetch: answering(502, text) }));
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        status: 502,
        message: `the reader URL answered HTTP 502: ${text.slice(0, 200)}… (broker: ${LOCAL})`,
      });
    });

    it('turns a signing failure into BrokerUnavailable that says to check the credentials', async () => {
      // Prepare
      const cause = Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
      const fetch = answering(200, JSON.stringify(brokerToken(CANARY)));
      const transport = new UrlTransport({
        url: FUNCTION_URL,
        fetch,
        credentials: async () => {
          throw cause;
        },
      });

      // Act
      const error = await failureOf(transport);

      // Assess
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        errorType: 'CredentialsProviderError',
        message:
          'could not sign the request: Could not load credentials from any providers; check that the caller has ' +
          `AWS credentials (task role, instance profile, environment) (broker: ${FUNCTION_URL})`,
      });
      expect(error.cause).toBe(cause);
      expect(fetch).not.toHaveBeenCalled();
    });

    it('describes a thrown value that is not an Error when signing fails', async () => {
      const transport = new UrlTransport({
        url: FUNCTION_URL,
        fetch: answering(200, '{}'),
        credentials: () => Promise.reject('no credentials'),
      });
      const error = await failureOf(transport);
      expect(error).toMatchObject({
        errorType: 'Error',
        message: expect.stringMatching(/^could not sign the request: no credentials;/),
      });
    });
  });
});

describe('Class: UrlTransport (signing)', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('signs an https URL by default, exactly as botocore does (the known answers)', async () => {
    // Prepare: the fixture's first case, sent by the transport
    const fixture = JSON.parse(
      readFileSync(new URL('./sigv4-known-answers.json', import.meta.url), 'utf8'),
    ) as {
      accessKeyId: string;
      secretAccessKey: string;
      cases: { url: string; date: string; sessionToken: boolean; headers: Record<string, string> }[];
    };
    const answer = fixture.cases.find(
      (known) => !known.sessionToken && known.url.includes('credential=production'),
    );
    if (!answer) throw new Error('no known answer for a production read');
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(answer.date) });
    const fetch = answering(200, JSON.stringify(brokerToken(CANARY)));
    const url = new URL(answer.url);
    const transport = new UrlTransport({
      url: url.origin,
      fetch,
      credentials: { accessKeyId: fixture.accessKeyId, secretAccessKey: fixture.secretAccessKey },
    });

    // Act
    await transport.fetchToken({ credential: 'production', minValiditySeconds: 300 });

    // Assess
    const [sent, init] = fetch.mock.calls[0] as [URL, RequestInit];
    expect(String(sent)).toBe(answer.url);
    expect(init.headers).toEqual({ accept: 'application/json', ...answer.headers });
  });

  it('refuses to sign when no region is known at all', () => {
    vi.stubEnv('AWS_REGION', undefined as unknown as string);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined as unknown as string);
    expect(() => new UrlTransport({ url: 'https://broker.example.com', credentials: CREDENTIALS })).toThrow(
      ClientConfigError,
    );
  });
});
