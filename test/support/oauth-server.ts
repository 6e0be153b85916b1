/**
 * The OAuth 2.0 server the tests run against: the local broker's embedded server
 * (local/oauth-server.ts, real oidc-provider) with what only tests need composed on top:
 * a gate in front of its request listener that records token requests and injects
 * faults, a middleware inside the provider that adds the parsed client, grant and scope
 * to each record, and `introspect` (the introspection endpoint for opaque tokens, a local
 * ES256 check for JWTs).
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
import { createPublicKey, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  DEFAULT_OAUTH_CLIENTS,
  type OAuthServer as EmbeddedOAuthServer,
  type StartOAuthServerOptions as EmbeddedServerOptions,
  type OAuthClientSpec,
  startOAuthServer as startEmbeddedOAuthServer,
  TOKEN_PATH,
} from '../../local/oauth-server.js';
import { type IntrospectionResult, verifyEs256Jwt } from './jwt-check.js';
import { type TokenFault, TokenRequestGate, type TokenRequestRecord } from './oauth-token-gate.js';

export type { OAuthClient, OAuthClientSpec } from '../../local/oauth-server.js';
export type { IntrospectionResult } from './jwt-check.js';
export type { TokenFault, TokenRequestRecord } from './oauth-token-gate.js';

/** Options of {@link startOAuthServer}: the embedded server's, less the hooks this module uses itself. */
export type StartOAuthServerOptions = Omit<
  EmbeddedServerOptions,
  'providerMiddleware' | 'wrapRequestListener'
>;

/** A running test OAuth server: the embedded one, plus request records, faults and introspection. */
export interface OAuthServer extends EmbeddedOAuthServer {
  /** POSTs to the token path since start or {@link resetTokenRequests}, failed and injected ones included. */
  readonly tokenRequestCount: number;
  /** Those requests, oldest first. */
  readonly tokenRequests: readonly TokenRequestRecord[];
  /** Forgets the request records and any pending faults. */
  resetTokenRequests(): void;
  /**
   * Makes the next `count` token requests fail. A number is an HTTP status answered with
   * a JSON OAuth error body; see {@link TokenFault} for resets, hangs and delays.
   */
  failNext(count: number, fault?: number | TokenFault): void;
  /**
   * Whether `token` is one this server issued and still valid. Opaque tokens go to the
   * introspection endpoint; JWTs are verified locally (signature, issuer, expiry) because
   * oidc-provider refuses to introspect structured tokens.
   */
  introspect(token: string): Promise<IntrospectionResult>;
}

/**
 * An extra client used only by {@link OAuthServer.introspect}, so the clients a test
 * registers keep their request counts. Left out of {@link OAuthServer.clients}.
 */
const INTROSPECTOR_ID = 'test-introspector';

/** Starts the embedded server with the test hooks on 127.0.0.1; ready when the promise resolves. */
export async function startOAuthServer(options: StartOAuthServerOptions = {}): Promise<OAuthServer> {
  const introspector = {
    clientId: INTROSPECTOR_ID,
    clientSecret: randomBytes(24).toString('base64url'),
    tokenEndpointAuthMethod: 'client_secret_basic',
  } satisfies OAuthClientSpec;
  // Assigned by wrapRequestListener, which runs before the server takes any request.
  let gate: TokenRequestGate | undefined;
  const server = await startEmbeddedOAuthServer({
    ...options,
    clients: [...(options.clients ?? DEFAULT_OAUTH_CLIENTS), introspector],
    // Runs inside the provider, after its router parsed the request: annotates the gate's record.
    providerMiddleware: [
      async (ctx, next) => {
        await next();
        const record = ctx.method === 'POST' && ctx.path === TOKEN_PATH ? gate?.recordOf(ctx.req) : undefined;
        if (record) annotate(record, ctx);
      },
    ],
    wrapRequestListener: (provider) => {
      gate = new TokenRequestGate(TOKEN_PATH, provider);
      return gate.listener;
    },
  });
  if (!gate) throw new Error('the embedded OAuth server did not install the request gate');
  const installed: TokenRequestGate = gate;
  let signingKey: KeyObject;
  try {
    signingKey = await fetchSigningKey(server.jwksUrl);
  } catch (error) {
    await server.stop();
    throw error;
  }

  const introspectOpaque = async (token: string): Promise<IntrospectionResult> => {
    const response = await fetch(server.introspectionUrl, {
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
    issuer: server.issuer,
    port: server.port,
    tokenUrl: server.tokenUrl,
    introspectionUrl: server.introspectionUrl,
    jwksUrl: server.jwksUrl,
    clients: server.clients.filter((client) => client.clientId !== INTROSPECTOR_ID),
    accessTokenFormat: server.accessTokenFormat,
    get tokenRequestCount() {
      return installed.records.length;
    },
    get tokenRequests() {
      return installed.records;
    },
    resetTokenRequests: () => installed.reset(),
    failNext: (count, fault = 503) =>
      installed.failNext(count, typeof fault === 'number' ? { type: 'status', status: fault } : fault),
    setAccessTokenTtl: (seconds) => server.setAccessTokenTtl(seconds),
    introspect: async (token) =>
      token.split('.').length === 3
        ? verifyEs256Jwt(token, signingKey, server.issuer)
        : introspectOpaque(token),
    stop: () => server.stop(),
  };
}

function annotate(record: TokenRequestRecord, ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc?.params ?? {};
  const clientId = ctx.oidc?.client?.clientId ?? params.client_id;
  if (typeof clientId === 'string') record.clientId = clientId;
  if (typeof params.grant_type === 'string') record.grantType = params.grant_type;
  if (typeof params.scope === 'string') record.scope = params.scope;
}

/**
 * The server's one signing key, read from its published JWKS as any resource server
 * would: the embedded server keeps its key pair to itself. Read once at start, so
 * introspecting a JWT needs no request (and works whatever faults are queued).
 */
async function fetchSigningKey(jwksUrl: string): Promise<KeyObject> {
  const response = await fetch(jwksUrl);
  if (!response.ok) throw new Error(`JWKS request failed with HTTP ${response.status}`);
  const { keys } = (await response.json()) as { keys?: JsonWebKey[] };
  const [key] = keys ?? [];
  if (!key || keys?.length !== 1) throw new Error(`expected one key at ${jwksUrl}, got ${keys?.length ?? 0}`);
  return createPublicKey({ key, format: 'jwk' });
}
