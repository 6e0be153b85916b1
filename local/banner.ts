/**
 * What the local broker prints once it is up: where the reader listens, which credential
 * sets it serves, where tokens come from, where they are kept, and how to call it.
 * Names and URLs only: a client id, secret or token never appears here.
 */
import type { ClientAuthMethod } from '../contract/index.js';
import type { StoreInfo } from './local-stores.js';

/** One served credential set, as the banner shows it. */
export interface BannerCredential {
  readonly name: string;
  readonly tokenUrl: string;
  readonly clientAuth: ClientAuthMethod;
  readonly scope?: string;
}

/** Everything the banner (and the JSON `ready` line) reports. */
export interface BannerInfo {
  /** `http://127.0.0.1:PORT` */
  readonly readerUrl: string;
  readonly port: number;
  readonly credentials: readonly BannerCredential[];
  /** The embedded token server, or real endpoints with where their credentials came from. */
  readonly tokenSource:
    | { readonly kind: 'embedded'; readonly tokenUrl: string }
    | { readonly kind: 'real'; readonly origin: string };
  readonly intervalMinutes: number;
  /** Where tokens are kept: DynamoDB Local, or this process's memory (and why). */
  readonly store: StoreInfo;
  /** DynamoDB Local, when it is the store. */
  readonly dynamoDb?: { readonly endpoint: string; readonly pid: number; readonly tableName: string };
  /** Milliseconds from process start until ready. */
  readonly startupMs: number;
  /** The broker's own process id. */
  readonly pid: number;
}

/** The banner as lines of text. */
export function formatBanner(info: BannerInfo): string[] {
  const [first] = info.credentials;
  const example = first?.name ?? 'NAME';
  const nameWidth = Math.max(...info.credentials.map((credential) => credential.name.length));
  const credentialLines = info.credentials.map((credential) => {
    if (info.tokenSource.kind === 'embedded') return credential.name;
    const details = [credential.clientAuth, ...(credential.scope ? [`scope '${credential.scope}'`] : [])];
    return `${credential.name.padEnd(nameWidth)}  ${credential.tokenUrl} (${details.join(', ')})`;
  });
  const tokensFrom =
    info.tokenSource.kind === 'embedded'
      ? `embedded OAuth2 server ${info.tokenSource.tokenUrl} (oidc-provider standing in for Cognito, generated client)`
      : `the token endpoints above, client credentials from ${info.tokenSource.origin}`;
  return [
    `Token broker running locally (pid ${info.pid}, ready in ${(info.startupMs / 1000).toFixed(1)} s)`,
    `  Reader       ${info.readerUrl}  GET /token?credential=NAME, GET /status (plain HTTP, no SigV4)`,
    ...credentialLines.map((line, index) => `  ${index === 0 ? 'Credentials ' : '            '} ${line}`),
    `  Tokens from  ${tokensFrom}`,
    `  Refresh      at start, then every ${formatMinutes(info.intervalMinutes)}`,
    storeLine(info),
    '',
    `  Try   curl -s '${info.readerUrl}/token?credential=${example}'`,
    `        curl -s ${info.readerUrl}/status`,
    `  Node  new TokenBrokerClient({ url: '${info.readerUrl}', credential: '${example}' })  // a55-token-broker/client`,
    '  Ctrl-C stops it.',
    '',
  ];
}

/** DynamoDB Local's line, or the in-process store's and why it is in use. */
function storeLine(info: BannerInfo): string {
  const { dynamoDb, store } = info;
  if (dynamoDb) {
    return `  DynamoDB     ${dynamoDb.endpoint} (DynamoDB Local in memory, table ${dynamoDb.tableName}, java pid ${dynamoDb.pid})`;
  }
  const why =
    store.kind === 'memory' && store.reason === 'java-not-found'
      ? 'java not found; --store dynamodb-local to require DynamoDB Local'
      : '--store memory';
  return `  Store        in-process memory (${why})`;
}

/** `50 min`, `30 s`, `1.5 min`. */
export function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  return `${Number(minutes.toFixed(2))} min`;
}
