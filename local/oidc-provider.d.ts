/**
 * The part of oidc-provider 9.x that the embedded OAuth server uses. The package ships no
 * types and @types/oidc-provider is not a dependency; this declares only what
 * local/oauth-server.ts (and the test server composed on it, test/support/oauth-server.ts)
 * needs, checked against node_modules/oidc-provider/lib.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** A stored artifact's payload, as the provider hands it to an adapter. */
  export interface AdapterPayload {
    [key: string]: unknown;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  }

  /** The storage interface of oidc-provider (one instance per model name). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** Client metadata (RFC 7591 names). */
  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    scope?: string;
    [key: string]: unknown;
  }

  /** What getResourceServerInfo returns for a resource indicator. */
  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  /** The registered client, as seen by configuration callbacks. */
  export interface Client {
    readonly clientId: string;
  }

  /** A token being issued, as seen by ttl callbacks. */
  export interface BaseTokenLike {
    readonly resourceServer?: { readonly accessTokenTTL?: number };
  }

  /** The Koa context with the provider's `oidc` namespace (present on matched routes). */
  export interface KoaContextWithOIDC {
    readonly method: string;
    readonly path: string;
    readonly req: IncomingMessage;
    readonly oidc?: {
      readonly params?: Record<string, unknown>;
      readonly client?: Client;
    };
  }

  /** The subset of the configuration object used here. */
  export interface Configuration {
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    clientDefaults?: Record<string, unknown>;
    jwks?: { keys: Record<string, unknown>[] };
    scopes?: string[];
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      introspection?: {
        enabled: boolean;
        allowedPolicy?: (
          ctx: KoaContextWithOIDC,
          client: Client,
          token: unknown,
        ) => Promise<boolean> | boolean;
      };
      revocation?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (
          ctx: KoaContextWithOIDC,
          client: Client,
          oneOf?: string[],
        ) => Promise<string | string[] | undefined>;
        getResourceServerInfo?: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: Client,
        ) => Promise<ResourceServerInfo>;
        useGrantedResource?: (ctx: KoaContextWithOIDC, model: unknown) => Promise<boolean>;
      };
    };
    ttl?: {
      ClientCredentials?: (ctx: KoaContextWithOIDC, token: BaseTokenLike, client: Client) => number;
    };
    routes?: Record<string, string>;
  }

  /** The provider: a Koa application. */
  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's node request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** Adds a Koa middleware that runs before the provider's router. */
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  /** OAuth error classes, thrown from configuration callbacks. */
  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
}
