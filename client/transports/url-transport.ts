/**
 * The reader over HTTP: `GET <url>/token?credential=NAME&minValiditySeconds=N`. Signed
 * with SigV4 for the Function URL (callers outside Lambda: ECS, EC2), unsigned for the
 * local broker. Errors come back as the status and `{"error", "message"}`; a 403 without
 * that body is IAM refusing the signature before the reader ran.
 */
import { isLoopbackUrl, parseRetryAfter } from '../../contract/index.js';
import {
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  clip,
  describeCause,
  readerError,
  type TokenBrokerError,
} from '../errors.js';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  encodeRfc3986,
  SigV4Signer,
} from './sigv4-signer.js';
import {
  type BrokerToken,
  parseBrokerToken,
  parseJson,
  type TokenRequest,
  type TokenTransport,
} from './transport.js';

/** Options of {@link UrlTransport}. */
export interface UrlTransportOptions {
  /** The reader's Function URL (the stack's `ReaderUrl` output) or the local broker's base URL. */
  readonly url: string;
  /**
   * `sigv4` signs every request (service `lambda`); `none` sends it as is.
   * @default 'sigv4' for https URLs, 'none' for http (the local broker)
   */
  readonly signing?: 'sigv4' | 'none';
  /**
   * Region to sign for.
   * @default parsed from a `*.lambda-url.<region>.on.aws` host, else AWS_REGION / AWS_DEFAULT_REGION
   */
  readonly region?: string;
  /** Credentials to sign with. @default the SDK's default credential chain */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Abort a call that has not answered (headers and body) after this long.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/**
 * Calls the reader through its URL.
 *
 * @example
 * // ECS or EC2: the task role or instance profile signs.
 * const transport = new UrlTransport({ url: 'https://abc123.lambda-url.us-east-1.on.aws/' });
 * @example
 * // The local broker (`npm start`): plain HTTP, no signature.
 * const local = new UrlTransport({ url: 'http://127.0.0.1:8787' });
 */
export class UrlTransport implements TokenTransport {
  readonly description: string;
  readonly #endpoint: URL;
  readonly #signer: SigV4Signer | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  /** @throws ClientConfigError for a malformed URL, plain HTTP to a remote host, or no region to sign for. */
  constructor(options: UrlTransportOptions) {
    this.#endpoint = tokenEndpoint(options.url);
    this.description = this.#endpoint.origin;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    const signing = options.signing ?? (this.#endpoint.protocol === 'https:' ? 'sigv4' : 'none');
    this.#signer =
      signing === 'none'
        ? undefined
        : new SigV4Signer({
            region: signingRegion(this.#endpoint, options.region),
            credentials: options.credentials,
          });
  }

  async fetchToken(request: TokenRequest): Promise<BrokerToken> {
    const url = new URL(this.#endpoint);
    url.search = [
      ...(request.credential === undefined ? [] : [`credential=${encodeRfc3986(request.credential)}`]),
      `minValiditySeconds=${request.minValiditySeconds}`,
      ...(request.rejectedTokenHash === undefined
        ? []
        : [`rejectedTokenHash=${encodeRfc3986(request.rejectedTokenHash)}`]),
    ].join('&');
    const headers = { accept: 'application/json', ...(await this.#sign(url)) };

    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      // No redirects: a signed request has no business anywhere but the reader.
      const response = await this.#fetch(url, { headers, redirect: 'manual', signal: timeout });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      const detail = timeout.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : `request failed: ${describeCause(error)}`;
      throw new BrokerUnavailable(`could not reach the reader URL (${detail})`, {
        broker: this.description,
        cause: error,
      });
    }
    if (status === 200) {
      const body = parseJson(text);
      if (body === undefined) {
        throw new BrokerResponseInvalid('the reader URL answered 200 with a body that is not JSON', {
          broker: this.description,
          status,
        });
      }
      return parseBrokerToken(body, this.description);
    }
    throw this.#errorAnswer(status, text, retryAfter);
  }

  async #sign(url: URL): Promise<Record<string, string>> {
    if (!this.#signer) return {};
    try {
      return await this.#signer.sign('GET', url);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new BrokerUnavailable(
        `could not sign the request: ${clip(error instanceof Error ? error.message : String(error), 300)}; ` +
          'check that the caller has AWS credentials (task role, instance profile, environment)',
        { broker: this.description, errorType: name, cause: error },
      );
    }
  }

  #errorAnswer(status: number, text: string, retryAfter: string | null): TokenBrokerError {
    const body = parseJson(text);
    const { error, message } = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (typeof error === 'string') {
      const retryAfterSeconds = parseRetryAfter(retryAfter, Date.now());
      return readerError(error, typeof message === 'string' ? message : '', {
        broker: this.description,
        status,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
    }
    if (status === 403) {
      return new BrokerAccessDenied(
        'the Function URL refused the signed request (HTTP 403): grant lambda:InvokeFunctionUrl and ' +
          'lambda:InvokeFunction on the reader (broker.grantRead in CDK), and check the region and the clock',
        { broker: this.description, status },
      );
    }
    return new BrokerUnavailable(`the reader URL answered HTTP ${status}: ${clip(text, 200)}`, {
      broker: this.description,
      status,
    });
  }
}

/** `<url>/token`, accepting the base URL with or without a trailing slash or `/token`. */
function tokenEndpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ClientConfigError(`token broker url '${clip(raw, 200)}' is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClientConfigError(
      `token broker url '${url.origin}' must use https (or http to the local broker)`,
    );
  }
  if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
    throw new ClientConfigError(
      `token broker url '${url.origin}' uses plain http to a remote host: tokens would travel unencrypted; use https`,
    );
  }
  const base = url.pathname.replace(/\/+$/, '').replace(/\/token$/, '');
  return new URL(`${url.origin}${base}/token`);
}

/**
 * The region option, else the URL's own (a Function URL answers only for the region it
 * lives in, wherever the caller runs), else the caller's environment.
 */
function signingRegion(url: URL, explicit: string | undefined): string {
  const region =
    explicit ??
    FUNCTION_URL_HOST.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    throw new ClientConfigError(
      `no region to sign requests to '${url.origin}' for: pass the region option or set AWS_REGION`,
    );
  }
  return region;
}
