/**
 * Checks a SigV4-signed request the way AWS does before a Function URL with
 * `AuthType: AWS_IAM` runs its function: rebuild the canonical request from what was
 * received, derive the signing key from the secret, compare signatures. Written from the
 * SigV4 specification with node:crypto alone, independent of `@smithy/signature-v4`, so
 * a signer bug cannot hide behind the same bug here.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What the server received. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded, without the query. */
  readonly rawPath: string;
  /** The query as sent, without `?`. */
  readonly rawQueryString: string;
  /** Lowercase names, as node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Who may sign, and for what. */
export interface VerifierOptions {
  readonly credentials: readonly {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  }[];
  readonly region: string;
  readonly service: string;
  readonly now: Date;
  /** AWS accepts requests signed up to 5 minutes away from its clock. */
  readonly maxSkewMs?: number;
}

/** The outcome; `reason` says which check failed. */
export type Verification =
  | { readonly valid: true; readonly accessKeyId: string; readonly signedHeaders: readonly string[] }
  | { readonly valid: false; readonly reason: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Verifies the `Authorization` header of `request`. */
export function verifySigV4(request: ReceivedRequest, options: VerifierOptions): Verification {
  const fail = (reason: string): Verification => ({ valid: false, reason });
  const authorization = header(request, 'authorization');
  const match = authorization === undefined ? null : AUTHORIZATION.exec(authorization);
  if (!match) return fail('no AWS4-HMAC-SHA256 Authorization header');
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] =
    match as unknown as string[];
  const credentials = options.credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!credentials) return fail(`unknown access key ${accessKeyId}`);
  if (region !== options.region) return fail(`signed for region ${region}, not ${options.region}`);
  if (service !== options.service) return fail(`signed for service ${service}, not ${options.service}`);

  const amzDate = header(request, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) return fail('no valid x-amz-date');
  if (amzDate.slice(0, 8) !== scopeDate) return fail('x-amz-date and the credential scope disagree');
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(options.now.getTime() - signedAt) > (options.maxSkewMs ?? 300_000)) {
    return fail('signed more than 5 minutes away from now');
  }

  const signedHeaders = (signedHeaderList as string).split(';');
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.join(';') !== sorted.join(';')) return fail('SignedHeaders is not sorted');
  if (!signedHeaders.includes('host')) return fail('host is not signed');
  if (credentials.sessionToken !== undefined) {
    if (header(request, 'x-amz-security-token') !== credentials.sessionToken) {
      return fail('x-amz-security-token is missing or does not belong to the access key');
    }
  }
  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = header(request, name);
    if (value === undefined) return fail(`signed header ${name} was not received`);
    canonicalHeaders.push(`${name}:${value.trim().replace(/\s+/g, ' ')}\n`);
  }

  const payloadHash = sha256Hex(request.body);
  const declared = header(request, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== payloadHash)
    return fail('x-amz-content-sha256 does not match the body');

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQueryString),
    canonicalHeaders.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, scopeDate as string);
  for (const part of [region as string, service as string, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const received = Buffer.from(signature as string, 'hex');
  if (!timingSafeEqual(expected, received)) return fail('signature does not match');
  return { valid: true, accessKeyId: accessKeyId as string, signedHeaders };
}

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Every service but S3 encodes each (already encoded) path segment once more. */
function canonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
}

/** Decoded, re-encoded the RFC 3986 way, sorted by name then value. */
function canonicalQuery(raw: string): string {
  if (raw === '') return '';
  return raw
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      const value = decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
      return [encode(name), encode(value)] as const;
    })
    .sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
