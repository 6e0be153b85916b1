/**
 * SigV4 for the reader's Function URL (`AuthType: AWS_IAM`): service `lambda`, the
 * caller's credentials from the default chain (env, SSO, web identity, ECS task role,
 * EC2 instance profile), memoized and refreshed by the provider itself.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.js';

/** AWS credentials; `sessionToken` is present for roles (Lambda, ECS, EC2). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Resolves credentials on demand (and may refresh them). */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** Options of {@link SigV4Signer}. */
export interface SigV4SignerOptions {
  /** Region of the Function URL. */
  readonly region: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
}

/** Signs GET requests to a Function URL. */
export class SigV4Signer {
  readonly #signer: SignatureV4;

  constructor(options: SigV4SignerOptions) {
    this.#signer = new SignatureV4({
      service: 'lambda',
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
  }

  /**
   * The headers that authorize `method url`: `authorization`, `x-amz-date`,
   * `x-amz-content-sha256` and, for temporary credentials, `x-amz-security-token`.
   * `host` is signed but left out: fetch sets it from the URL, to the same value.
   * The query of `url` must be RFC 3986-encoded (see {@link encodeRfc3986}) so the
   * canonical query the signer computes is the one sent.
   */
  async sign(method: string, url: URL): Promise<Record<string, string>> {
    const signed = await this.#signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: parseQuery(url.search),
      headers: { host: url.host },
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') headers[name] = value;
    }
    return headers;
  }
}

/** Percent-encodes like SigV4's canonical form: everything but `A-Z a-z 0-9 - _ . ~`. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function parseQuery(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
    query[key] = decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
  }
  return query;
}
