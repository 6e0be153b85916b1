/**
 * A real OAuth 2.0 authorization server for tests and the local broker: oidc-provider 9.x
 * on 127.0.0.1 with the client-credentials grant and token introspection. It issues
 * opaque access tokens by default, or JWT access tokens (`accessTokenFormat: 'jwt'`)
 * without the client having to send a `resource` parameter: a default resource indicator
 * is applied on the server side, as Cognito issues JWTs to a plain client-credentials
 * request.
 *
 * @example
 * ```ts
 * const server = await startOAuthServer({ accessTokenTtl: 3600 });
 * const [client] = server.clients;
 * // ... let the broker fetch a token from server.tokenUrl with client.clientId/clientSecret
 * expect(await server.introspect(token)).toMatchObject({ active: true, client_id: client.clientId });
 * server.failNext(2, 503);
 * await server.stop();
 * ```
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ClientAuthMethod } from '../lambda/core/credential-config.js';
import { verifyEs256Jwt } from './jwt-check.js';
import { type TokenFault, TokenRequestGate, type TokenRequestRecord } from './oauth-token-gate.js';
import { createOidcMemoryAdapter } from './oidc-memory-adapter.js';
import { loadOidcProvider } from './oidc-provider-loader.js';

export type { TokenFault, TokenRequestRecord } from './oauth-token-gate.js';

/** One client registered at the server. */
export interface OAuthClientSpec {
  readonly clientId: string;
  /** @default a random 32-character base64url string */
  readonly clientSecret?: string;
  /**
   * Registered authentication method. oidc-provider accepts Basic and post from any
   * client_secret_* client alike; use the request records' `basicAuth` to check which was sent.
   * @default 'client_secret_post'
   */
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Space-separated allow-list of scopes this client may request. @default no restriction */
  readonly scope?: string;
  /** Access token lifetime for this client, in seconds. @default the server's accessTokenTtl */
  readonly accessTokenTtl?: number;
}

/** A registered client, with its secret. */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenEndpointAuthMethod: ClientAuthMethod;
}

/** Options of {@link startOAuthServer}. */
export interface StartOAuthServerOptions {
  /** @default two clients, `broker-post` (client_secret_post) and `broker-basic` (client_secret_basic) */
  readonly clients?: readonly OAuthClientSpec[];
  /** Access token lifetime in seconds (`expires_in`). @default 3600 */
  readonly accessTokenTtl?: number;
  /** @default 'opaque' */
  readonly accessTokenFormat?: 'opaque' | 'jwt';
  /** The resource indicator (JWT `aud`) applied by default in JWT mode. @default 'https://api.a55.example' */
  readonly resource?: string;
  /**
   * Scopes the server knows. oidc-provider silently drops requested scopes it does not
   * know, so a test requesting `scope` must list it here.
   * @default []
   */
  readonly scopes?: readonly string[];
  /** @default 0 (a free port) */
  readonly port?: number;
}

/** What the introspection endpoint (or, for JWTs, local verification) says about a token. */
export interface IntrospectionResult {
  readonly active: boolean;
  readonly client_id?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly iss?: string;
  readonly scope?: string;
  readonly aud?: string | string[];
  readonly token_type?: string;
  readonly [claim: string]: unknown;
}

/** A running OAuth server. */
export interface OAuthServer {
  /** `http://127.0.0.1:PORT` */
  readonly issuer: string;
  readonly port: number;
  /** `${issuer}/token` */
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly jwksUrl: string;
  readonly clients: readonly OAuthClient[];
  readonly accessTokenFormat: 'opaque' | 'jwt';
  /** POSTs to the token path since start or {@link resetTokenRequests}, failed and injected ones included. */
  readonly tokenRequestCount: number;
  /** Those requests, oldest first. */
  readonly tokenRequests: readonly TokenRequestRecord[];
  resetTokenRequests(): void;
  /**
   * Makes the next `count` token requests fail. A number is an HTTP status answered with
   * a JSON OAuth error body; see {@link TokenFault} for resets, hangs and delays.
   */
  failNext(count: number, fault?: number | TokenFault): void;
  /** Changes the server-wide access token lifetime for tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  /**
   * Whether `token` is one this server issued and still valid. Opaque tokens go to the
   * introspection endpoint; JWTs are verified locally (signature, issuer, expiry) because
   * oidc-provider refuses to introspect structured tokens.
   */
  introspect(token: string): Promise<IntrospectionResult>;
  /** Closes the server, dropping open connections (including hung requests). */
  stop(): Promise<void>;
}

const TOKEN_PATH = '/token';
const INTROSPECTION_PATH = '/token/introspection';
/** An internal client used only by {@link OAuthServer.introspect}, so test clients keep their request counts. */
const INTROSPECTOR_ID = 'test-introspector';

/** Starts the server on 127.0.0.1; ready when the promise resolves. */
export async function startOAuthServer(options: StartOAuthServerOptions = {}): Promise<OAuthServer> {
  let accessTokenTtl = positiveInteger(options.accessTokenTtl ?? 3600, 'accessTokenTtl');
  const format = options.accessTokenFormat ?? 'opaque';
  const resource = options.resource ?? 'https://api.a55.example';
  const specs = options.clients ?? [
    { clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' },
    { clientId: 'broker-basic', tokenEndpointAuthMethod: 'client_secret_basic' },
  ];
  const registered = specs.map((spec) => ({
    spec,
    client: {
      clientId: spec.clientId,
      clientSecret: spec.clientSecret ?? randomSecret(),
      tokenEndpointAuthMethod: spec.tokenEndpointAuthMethod ?? 'client_secret_post',
    } satisfies OAuthClient,
  }));
  const clients: OAuthClient[] = registered.map(({ client }) => client);
  const ttlByClient = new Map(
    specs.flatMap((spec) =>
      spec.accessTokenTtl === undefined
        ? []
        : [[spec.clientId, positiveInteger(spec.accessTokenTtl, 'accessTokenTtl')]],
    ),
  );
  const ttlFor = (clientId: string) => ttlByClient.get(clientId) ?? accessTokenTtl;
  const introspector = { clientId: INTROSPECTOR_ID, clientSecret: randomSecret() };

  // The issuer must contain the port, which is only known once listening: listen first,
  // then build the provider and install its listener.
  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = keyPair.privateKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify(keyPair.publicKey.export({ format: 'jwk' })))
    .digest('base64url');

  const { Provider, errors } = await loadOidcProvider();
  const configuration: Configuration = {
    adapter: createOidcMemoryAdapter(),
    jwks: { keys: [{ ...privateJwk, kid, alg: 'ES256', use: 'sig' }] },
    // ES256 keys generate in a millisecond where RSA takes tens; JWTs default to this alg.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    clients: [
      ...registered.map(({ spec, client }) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        ...(spec.scope !== undefined ? { scope: spec.scope } : {}),
      })),
      {
        client_id: introspector.clientId,
        client_secret: introspector.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: [...(options.scopes ?? [])],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect any token: this server only serves tests.
      introspection: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        // JWT mode: every token request gets this resource, so plain client-credentials
        // requests (grant_type, client_id, secret, scope) yield JWTs.
        defaultResource: async () => (format === 'jwt' ? resource : undefined),
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, indicator, client) => {
          if (format !== 'jwt' || indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: (options.scopes ?? []).join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttlFor(client.clientId),
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx, token, client) =>
        token.resourceServer?.accessTokenTTL ?? ttlFor(client.clientId),
    },
  };
  const provider = new Provider(issuer, configuration);

  // Runs inside the provider, after its router parsed the request: annotates the gate's
  // record. Registered before callback(), which composes the middleware once.
  provider.use(async (ctx, next) => {
    await next();
    const record = ctx.method === 'POST' && ctx.path === TOKEN_PATH ? gate.recordOf(ctx.req) : undefined;
    if (record) annotate(record, ctx);
  });
  const gate: TokenRequestGate = new TokenRequestGate(TOKEN_PATH, provider.callback());
  server.on('request', gate.listener);

  const introspectOpaque = async (token: string): Promise<IntrospectionResult> => {
    const response = await fetch(`${issuer}${INTROSPECTION_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${introspector.clientId}:${introspector.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    if (!response.ok) {
      throw new Error(`introspection failed with HTTP ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as IntrospectionResult;
  };

  return {
    issuer,
    port,
    tokenUrl: `${issuer}${TOKEN_PATH}`,
    introspectionUrl: `${issuer}${INTROSPECTION_PATH}`,
    jwksUrl: `${issuer}/jwks`,
    clients,
    accessTokenFormat: format,
    get tokenRequestCount() {
      return gate.records.length;
    },
    get tokenRequests() {
      return gate.records;
    },
    resetTokenRequests: () => gate.reset(),
    failNext: (count, fault = 503) =>
      gate.failNext(count, typeof fault === 'number' ? { type: 'status', status: fault } : fault),
    setAccessTokenTtl: (seconds) => {
      accessTokenTtl = positiveInteger(seconds, 'accessTokenTtl');
    },
    introspect: async (token) =>
      token.split('.').length === 3
        ? verifyEs256Jwt(token, keyPair.publicKey, issuer)
        : introspectOpaque(token),
    stop: () => closeServer(server),
  };
}

function annotate(record: TokenRequestRecord, ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc?.params ?? {};
  const clientId = ctx.oidc?.client?.clientId ?? params.client_id;
  if (typeof clientId === 'string') record.clientId = clientId;
  if (typeof params.grant_type === 'string') record.grantType = params.grant_type;
  if (typeof params.scope === 'string') record.scope = params.scope;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  // Keep-alive sockets from fetch and hung requests would otherwise hold close() open.
  server.closeAllConnections();
  await closed;
}

function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
