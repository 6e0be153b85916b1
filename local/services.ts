/**
 * The local broker's two helper servers, started side by side: DynamoDB Local (the same
 * launcher the integration tests use; none with the in-process store, see
 * local/local-stores.ts) and, when no real credentials were given, the
 * embedded OAuth 2.0 token server with one generated client. Startup failures a person
 * can fix become one-line LocalBrokerErrors.
 */
import {
  A55_TOKEN_LIFETIME_SECONDS,
  DEFAULT_CREDENTIAL_NAME,
  type RefresherCredentialSet,
} from '../contract/index.js';
import type { StoreOption } from './cli-options.js';
import type { LocalCredentialSets } from './credentials-file.js';
import type { DynamoDbLocal } from './dynamodb-local.js';
import { LocalBrokerError } from './errors.js';
import { isJavaMissing, type StoreInfo, startStore } from './local-stores.js';
import { type OAuthServer, startOAuthServer } from './oauth-server.js';

/** The embedded token server's one client; its secret is generated at every start and never shown. */
export const EMBEDDED_CLIENT_ID = 'local-broker';

/** Token lifetime of the embedded server: Cognito's one hour. */
const EMBEDDED_TOKEN_TTL_SECONDS = A55_TOKEN_LIFETIME_SECONDS;

/** What {@link startServices} started. */
export interface StartedServices {
  /** DynamoDB Local; undefined with the in-process store. */
  readonly dynamo?: DynamoDbLocal;
  readonly store: StoreInfo;
  /** The embedded token server; undefined with real credentials. */
  readonly oauth?: OAuthServer;
  /** The credential sets to refresh: the real ones given, or the embedded server's one. */
  readonly sets: LocalCredentialSets;
}

/**
 * Starts DynamoDB Local and, without real credentials, the embedded token server.
 * @throws LocalBrokerError when Java is missing (`--store dynamodb-local`) or the DynamoDB Local port is taken;
 *   whatever did start is stopped again.
 */
export async function startServices(options: {
  /** @default 'auto' */
  readonly store?: StoreOption;
  readonly dynamoDbPort: number;
  readonly credentials?: LocalCredentialSets;
  readonly embeddedCredentialName?: string;
}): Promise<StartedServices> {
  const [dynamoResult, oauthResult] = await Promise.allSettled([
    startStore(options.store ?? 'auto', options.dynamoDbPort),
    options.credentials
      ? Promise.resolve(undefined)
      : // JWT access tokens, as Cognito issues them.
        startOAuthServer({
          clients: [{ clientId: EMBEDDED_CLIENT_ID, tokenEndpointAuthMethod: 'client_secret_post' }],
          accessTokenFormat: 'jwt',
          accessTokenTtl: EMBEDDED_TOKEN_TTL_SECONDS,
        }),
  ]);
  if (dynamoResult.status === 'rejected' || oauthResult.status === 'rejected') {
    await Promise.allSettled([
      dynamoResult.status === 'fulfilled' ? dynamoResult.value.dynamo?.stop() : undefined,
      oauthResult.status === 'fulfilled' ? oauthResult.value?.stop() : undefined,
    ]);
    if (dynamoResult.status === 'rejected') throw explain(dynamoResult.reason, options.dynamoDbPort);
    throw (oauthResult as PromiseRejectedResult).reason;
  }
  const { dynamo, store } = dynamoResult.value;
  const oauth = oauthResult.value;
  if (!oauth) return { dynamo, store, sets: options.credentials as LocalCredentialSets };
  const [client] = oauth.clients;
  if (!client) throw new Error('the embedded token server registered no client');
  const set: RefresherCredentialSet = {
    name: options.embeddedCredentialName ?? DEFAULT_CREDENTIAL_NAME,
    tokenUrl: oauth.tokenUrl,
    clientAuth: client.tokenEndpointAuthMethod,
    secretId: '(embedded token server)',
  };
  return {
    dynamo,
    store,
    oauth,
    sets: {
      sets: [set],
      secrets: new Map([[set.name, { clientId: client.clientId, clientSecret: client.clientSecret }]]),
      origin: 'the embedded token server',
    },
  };
}

/** DynamoDB Local's startup errors, in words a person can act on. */
function explain(error: unknown, port: number): unknown {
  if (!(error instanceof Error)) return error;
  // The launcher's own message already says what to install. Only `--store dynamodb-local`
  // gets here: `auto` keeps tokens in memory instead.
  if (isJavaMissing(error)) {
    return new LocalBrokerError(
      `${error.message} (or drop --store dynamodb-local to keep tokens in memory)`,
      { cause: error },
    );
  }
  if (/already in use/.test(error.message)) {
    return new LocalBrokerError(
      `DynamoDB Local cannot listen on port ${port}: it is already in use; ` +
        'choose another with --dynamodb-port <n> (0, the default, picks a free one)',
      { cause: error },
    );
  }
  return error;
}
