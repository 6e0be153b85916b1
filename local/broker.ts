/**
 * The whole broker on one machine: the reader's HTTP face on 127.0.0.1, DynamoDB Local
 * holding the token table, the refresher on a timer, and either the embedded token server
 * (oidc-provider standing in for Cognito) or real token endpoints. The refresher and
 * reader are the Lambdas' own core services and adapters; only the credential source
 * (given values instead of Secrets Manager) and the runner (a timer and an HTTP server
 * instead of EventBridge and Function URLs) differ.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../lambda/adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../lambda/adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../lambda/adapters/oauth2-token-endpoint.js';
import { StaticCredentialSource } from '../lambda/adapters/static-credential-source.js';
import { systemClock } from '../lambda/core/ports.js';
import { TokenReader } from '../lambda/core/read.js';
import { isCallerFacing, ReaderService } from '../lambda/core/reader-service.js';
import { RefresherService, type RefreshObserver } from '../lambda/core/refresher-service.js';
import { RefreshRequester } from '../lambda/core/self-heal.js';
import { errorResponse, jsonResponse, parseHttpRequest } from '../lambda/handlers/http-face.js';
import type { BannerInfo } from './banner.js';
import type { LocalCredentialSets } from './credentials-file.js';
import { createTokenTable, LOCAL_DYNAMODB_REGION } from './dynamodb-local.js';
import { listenReader, type ReaderHttpServer } from './http-server.js';
import { RefreshLoop } from './refresh-loop.js';
import type { Reporter } from './reporter.js';
import { type StartedServices, startServices } from './services.js';

/** The token table's name in DynamoDB Local. */
export const LOCAL_TABLE_NAME = 'a55-token-broker-local';

/** The reader's in-memory cache, as the stack configures it by default. */
const READ_CACHE_SECONDS = 30;

/** Options of {@link startLocalBroker}. */
export interface LocalBrokerOptions {
  /** Reader port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** DynamoDB Local port; 0 picks a free one. */
  readonly dynamoDbPort: number;
  readonly intervalMinutes: number;
  /** Real credential sets; without them the embedded token server issues tokens. */
  readonly credentials?: LocalCredentialSets;
  /** Name of the one set the embedded token server serves. @default 'default' */
  readonly embeddedCredentialName?: string;
  readonly reporter: Reporter;
}

/** A running local broker. */
export interface LocalBroker {
  /** Where everything is, for the banner and the JSON `ready` line (startupMs is 0 here). */
  readonly info: BannerInfo;
  /** Refreshes every set now and then on the interval; resolves after the first round. */
  startRefreshing(): Promise<void>;
  /** Stops the timer, the HTTP server, DynamoDB Local and the token server. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts everything; ready (but not yet refreshing) when it resolves.
 * @throws LocalBrokerError for a taken port or a missing Java; whatever was started is stopped again.
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  // The port first: a taken port fails before two seconds go into starting java.
  const http = await listenReader(options.port);
  let services: StartedServices;
  try {
    services = await startServices(options);
  } catch (error) {
    await http.stop();
    throw error;
  }
  const { dynamo, oauth, sets } = services;
  const db = createPrivateDynamoDbClient(dynamo.endpoint);
  const stopServices = async () => {
    db.destroy();
    await Promise.allSettled([http.stop(), dynamo.stop(), oauth?.stop()]);
  };
  try {
    await createTokenTable(db, LOCAL_TABLE_NAME);
  } catch (error) {
    await stopServices();
    throw error;
  }

  const { reporter } = options;
  let stopping = false;
  const store = new DynamoDbTokenStore({
    client: db,
    tableName: LOCAL_TABLE_NAME,
    onMalformedItem: (credential, problem) =>
      reporter.warn(`stored token item of '${credential}' is malformed (${problem}); treating it as absent`),
  });
  const state = new DynamoDbStateStore({ client: db, tableName: LOCAL_TABLE_NAME });
  const observer: RefreshObserver = {
    succeeded: ({ config, reason }, result, secondsLeft) =>
      reporter.refreshed({
        credential: config.name,
        reason: reason ?? 'manual',
        outcome: result.outcome,
        expiresAt: result.expiresAt,
        secondsLeft,
        attempts: result.attempts,
      }),
    // While stopping, a refresh cut short is not news.
    failed: ({ config, reason }, error, secondsLeft) => {
      if (stopping) return;
      reporter.refreshFailed({ credential: config.name, reason: reason ?? 'manual', error, secondsLeft });
    },
    recordFailed: ({ config }, error) => {
      if (!stopping) reporter.problem(`could not record the refresh outcome of '${config.name}'`, error);
    },
    remainingUnknown: ({ config }, error) => {
      if (!stopping) reporter.problem(`could not read the stored token of '${config.name}'`, error);
    },
  };
  const refresher: RefresherService = new RefresherService({
    configs: sets.configs,
    state,
    observer,
    dependencies: {
      credentials: new StaticCredentialSource(sets.secrets),
      endpoint: new FetchTokenEndpoint(),
      store,
      clock: systemClock,
      // Aborted on stop, so a back-off does not hold the shutdown.
      sleep: (ms): Promise<void> => sleep(ms, undefined, { signal: loop.signal }),
      random: Math.random,
      onRetry: ({ attempt, delayMs, error }) => {
        if (!stopping) reporter.retrying(attempt, delayMs, error);
      },
    },
  });
  const loop: RefreshLoop = new RefreshLoop({ refresher, intervalMs: options.intervalMinutes * 60_000 });
  const credentialNames = sets.configs.map((config) => config.name);
  const service = new ReaderService({
    credentialNames,
    reader: new TokenReader({ store, clock: systemClock, cacheSeconds: READ_CACHE_SECONDS }),
    store,
    state,
    clock: systemClock,
    // The same rate-limited self-healing as the Lambda reader; the loop stands in for the async invoke.
    requester: new RefreshRequester({ state, clock: systemClock, trigger: loop }),
    observer: {
      refreshRequested: (credential) => reporter.refreshRequested(credential),
      refreshRequestFailed: (credential, error) =>
        reporter.problem(`could not ask the refresher for a token for '${credential}'`, error),
    },
  });
  serveReader(http, service, reporter);

  let stopped: Promise<void> | undefined;
  return {
    info: {
      readerUrl: http.url,
      port: http.port,
      credentials: sets.configs.map(({ name, tokenUrl, clientAuth, scope }) => ({
        name,
        tokenUrl,
        clientAuth,
        ...(scope === undefined ? {} : { scope }),
      })),
      tokenSource: oauth
        ? { kind: 'embedded', tokenUrl: oauth.tokenUrl }
        : { kind: 'real', origin: sets.origin },
      intervalMinutes: options.intervalMinutes,
      dynamoDb: { endpoint: dynamo.endpoint, pid: dynamo.pid, tableName: LOCAL_TABLE_NAME },
      startupMs: 0,
      pid: process.pid,
    },
    startRefreshing: () => loop.start(),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        await loop.stop();
        await stopServices();
      })();
      return stopped;
    },
  };
}

/**
 * A client with an access key id made up for this run. DynamoDB Local cannot be told to
 * listen on 127.0.0.1 only, but it keeps one database per access key id and region: a
 * client on another host, not knowing the id, sees no table and no token.
 */
function createPrivateDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_DYNAMODB_REGION,
    // DynamoDB Local accepts letters and digits only; its secret key is not checked.
    credentials: { accessKeyId: randomBytes(10).toString('hex').toUpperCase(), secretAccessKey: 'local' },
  });
}

/** The Lambda reader's URL face, word for word, on the local HTTP server. */
function serveReader(http: ReaderHttpServer, service: ReaderService, reporter: Reporter): void {
  http.serve(async (event) => {
    try {
      return jsonResponse(200, await service.serve(parseHttpRequest(event)));
    } catch (error) {
      // Refusals are the caller's business; anything else is ours to report.
      if (!isCallerFacing(error)) reporter.problem('a read failed (the caller got HTTP 500)', error);
      return errorResponse(error);
    }
  });
}
