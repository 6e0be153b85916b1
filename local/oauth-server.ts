/**
 * The local broker's embedded OAuth 2.0 authorization server: oidc-provider 9.x on
 * 127.0.0.1 with the client-credentials grant and token introspection. It issues opaque
 * access tokens by default, or JWT access tokens (`accessTokenFormat: 'jwt'`, what the
 * local broker asks for) without the client having to send a `resource` parameter: a
 * default resource indicator is applied on the server side, as Cognito issues JWTs to a
 * plain client-credentials request.
 *
 * It knows nothing of tests. The test OAuth server (test/support/oauth-server.ts) is this
 * one with a fault gate put in front of its request listener and a recording middleware
 * inside the provider, through the two composition hooks {@link StartOAuthServerOptions}
 * offers; that way the runner never carries fault injection or JWT checking.
 *
 * @example
 * ```ts
 * const server = await startOAuthServer({ accessTokenFormat: 'jwt' });
 * const [client] = server.clients;
 * // ... fetch tokens from server.tokenUrl with client.clientId/clientSecret
 * await server.stop();
 * ```
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ClientAuthMethod } from '../contract/index.js';
import { createOidcMemoryAdapter } from './oidc-memory-adapter.js';
import { loadOidcProvider } from './oidc-provider-loader.js';

/** One client registered at the server. */
export interface OAuthClientSpec {
  readonly clientId: string;
  /** @default a random 32-character base64url string */
  readonly clientSecret?: string;
  /**
   * Registered authentication method. oidc-provider accepts Basic and post from any
   * client_secret_* client alike; the test server's request records (`basicAuth`, see
   * test/support/oauth-server.ts) show which was sent.
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

/**
 * A Koa middleware run inside the provider, before its router: after `await next()` the
 * provider has parsed the request (`ctx.oidc.params`, `ctx.oidc.client`).
 */
export type ProviderMiddleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/** The clients registered when {@link StartOAuthServerOptions.clients} is not given. */
export const DEFAULT_OAUTH_CLIENTS: readonly OAuthClientSpec[] = [
  { clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' },
  { clientId: 'broker-basic', tokenEndpointAuthMethod: 'client_secret_basic' },
];

/** Path of the token endpoint, relative to the issuer. */
export const TOKEN_PATH = '/token';

/** Options of {@link startOAuthServer}. */
export interface StartOAuthServerOptions {
  /** @default {@link DEFAULT_OAUTH_CLIENTS}: `broker-post` (client_secret_post) and `broker-basic` (client_secret_basic) */
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
  /**
   * Composition hook: middleware registered on the provider, in order, before its
   * request listener is built (Koa composes the middleware once, so later is too late).
   * @default none
   */
  readonly providerMiddleware?: readonly ProviderMiddleware[];
  /**
   * Composition hook: receives the provider's request listener and returns the one the
   * HTTP server installs, so a caller can put something in front of the provider.
   * @default the provider's listener, unwrapped
   */
  readonly wrapRequestListener?: (provider: RequestListener) => RequestListener;
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
  /** Changes the server-wide access token lifetime for tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  /** Closes the server, dropping open connections (including hung requests). */
  stop(): Promise<void>;
}

const INTROSPECTION_PATH = '/token/introspection';

/** Starts the server on 127.0.0.1; ready when the promise resolves. */
export async function startOAuthServer(options: StartOAuthServerOptions = {}): Promise<OAuthServer> {
  let accessTokenTtl = positiveInteger(options.accessTokenTtl ?? 3600, 'accessTokenTtl');
  const format = options.accessTokenFormat ?? 'opaque';
  const resource = options.resource ?? 'https://api.a55.example';
  const specs = options.clients ?? DEFAULT_OAUTH_CLIENTS;
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
    clients: registered.map(({ spec, client }) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      ...(spec.scope !== undefined ? { scope: spec.scope } : {}),
    })),
    scopes: [...(options.scopes ?? [])],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect any token: the server runs on 127.0.0.1 for
      // tests and the local broker, where every client belongs to whoever started it.
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

  for (const middleware of options.providerMiddleware ?? []) provider.use(middleware);
  const listener = provider.callback();
  server.on('request', options.wrapRequestListener ? options.wrapRequestListener(listener) : listener);

  return {
    issuer,
    port,
    tokenUrl: `${issuer}${TOKEN_PATH}`,
    introspectionUrl: `${issuer}${INTROSPECTION_PATH}`,
    jwksUrl: `${issuer}/jwks`,
    clients,
    accessTokenFormat: format,
    setAccessTokenTtl: (seconds) => {
      accessTokenTtl = positiveInteger(seconds, 'accessTokenTtl');
    },
    stop: () => closeServer(server),
  };
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
