/**
 * The whole broker on one machine: the reader's HTTP face on 127.0.0.1, DynamoDB Local
 * holding the token table (or, without Java, the in-process stores: local/local-stores.ts),
 * the refresher on a timer, and either the embedded token server
 * (oidc-provider standing in for Cognito) or real token endpoints. The refresh use case,
 * the Reader, the reader face middleware and the adapters are the Lambdas' own; only the
 * credential source (given values instead of Secrets Manager) and the runner (a timer and
 * an HTTP server instead of EventBridge and Function URLs) differ.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RefresherCredentialSet } from '../contract/index.js';
import { FixedCredentialSource } from '../lambda/adapters/fixed-credential-source.js';
import { FetchTokenEndpoint } from '../lambda/adapters/oauth2-token-endpoint.js';
import { type RefreshTrigger, systemClock } from '../lambda/core/ports.js';
import { Reader } from '../lambda/core/reader.js';
import { RefreshFailure, type RefreshNote } from '../lambda/core/refresh.js';
import { parseRefreshRequest } from '../lambda/core/refresh-request.js';
import { type RetryChainDependencies, refreshWithRetries } from '../lambda/core/retry-chain.js';
import type { MiddlewareLogger } from '../lambda/middleware/observability.js';
import { readTelemetry } from '../lambda/middleware/read-telemetry.js';
import { readerFace } from '../lambda/middleware/reader-face.js';
import type { BannerInfo } from './banner.js';
import type { StoreOption } from './cli-options.js';
import type { LocalCredentialSets } from './credentials-file.js';
import { listenReader } from './http-server.js';
import { type LocalStores, openStores } from './local-stores.js';
import { RefreshLoop, type RunRefresh } from './refresh-loop.js';
import type { Reporter } from './reporter.js';
import { type StartedServices, startServices } from './services.js';

/** The token table's name in DynamoDB Local. */
export const LOCAL_TABLE_NAME = 'a55-token-broker-local';

/**
 * Time each refresh may take, retries included: the refresher Lambda's 60 s timeout less
 * the 3 s it keeps back to record and answer.
 */
export const REFRESH_BUDGET_MS = 57_000;

/** Options of {@link startLocalBroker}. */
export interface LocalBrokerOptions {
  /** Reader port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** DynamoDB Local port; 0 picks a free one. */
  readonly dynamoDbPort: number;
  /** Where tokens are kept; `auto` is DynamoDB Local when java is found. @default 'auto' */
  readonly store?: StoreOption;
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
  /** Stops the timer, the HTTP server, DynamoDB Local (if any) and the token server. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts everything; ready (but not yet refreshing) when it resolves.
 * @throws LocalBrokerError for a taken port or a missing Java (`store: 'dynamodb-local'`);
 *   whatever was started is stopped again.
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  // The port first: a taken port fails before two seconds go into starting java.
  const http = await listenReader(options.port, {
    onRefused: (message) => options.reporter.warn(`refused a request: ${message}`),
  });
  let services: StartedServices;
  try {
    services = await startServices(options);
  } catch (error) {
    await http.stop();
    throw error;
  }
  const { dynamo, oauth, sets } = services;
  const { reporter } = options;
  let stores: LocalStores;
  try {
    stores = await openStores(dynamo, LOCAL_TABLE_NAME, (credential, problem) =>
      reporter.warn(`stored token item of '${credential}' is malformed (${problem}); treating it as absent`),
    );
  } catch (error) {
    await Promise.allSettled([http.stop(), dynamo?.stop(), oauth?.stop()]);
    throw error;
  }
  const stopServices = async () => {
    stores.close();
    await Promise.allSettled([http.stop(), dynamo?.stop(), oauth?.stop()]);
  };

  let stopping = false;
  const { store, state } = stores;
  const deps: RetryChainDependencies = {
    credentials: new FixedCredentialSource(sets.secrets),
    endpoint: new FetchTokenEndpoint(),
    store,
    state,
    clock: systemClock,
    // Aborted on stop, so a back-off does not hold the shutdown.
    sleep: (ms): Promise<void> => sleep(ms, undefined, { signal: loop.signal }),
    random: Math.random,
    // The refresher's retry chain, on the loop's timers instead of the SQS delay queue.
    retries: {
      enqueue: (credential, ticket, delaySeconds) => loop.enqueue(credential, ticket, delaySeconds),
    },
  };
  // While stopping, a refresh cut short is not news.
  const report = (tell: () => void) => {
    if (!stopping) tell();
  };
  const loop: RefreshLoop = new RefreshLoop({
    credentials: sets.sets.map((set) => set.name),
    refresh: refreshAndReport(sets.sets, deps, reporter, report),
    intervalMs: options.intervalMinutes * 60_000,
  });
  // The same rate-limited self-healing as the Lambda reader; the loop stands in for the async invoke.
  const trigger: RefreshTrigger = {
    trigger: async (credential, reason) => {
      reporter.refreshRequested(credential);
      await loop.trigger(credential, reason);
    },
  };
  const reader = new Reader({
    store,
    state,
    clock: systemClock,
    credentialNames: sets.sets.map((set) => set.name),
    trigger,
  });
  // The Lambda reader's own middleware answers, word for word: one expose rule.
  const logger = reporterLogger(reporter);
  const read = middy((payload: unknown) => reader.serve(payload))
    .use(readerFace({ logger }))
    .use(readTelemetry({ logger }));
  http.serve(async (event) => (await read(event, {} as Context)) as APIGatewayProxyStructuredResultV2);

  let stopped: Promise<void> | undefined;
  return {
    info: {
      readerUrl: http.url,
      port: http.port,
      credentials: sets.sets.map(({ name, tokenUrl, clientAuth, scope }) => ({
        name,
        tokenUrl,
        clientAuth,
        ...(scope === undefined ? {} : { scope }),
      })),
      tokenSource: oauth
        ? { kind: 'embedded', tokenUrl: oauth.tokenUrl }
        : { kind: 'real', origin: sets.origin },
      intervalMinutes: options.intervalMinutes,
      store: services.store,
      ...(dynamo
        ? { dynamoDb: { endpoint: dynamo.endpoint, pid: dynamo.pid, tableName: LOCAL_TABLE_NAME } }
        : {}),
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
 * One refresh through the refresh use case, told to the reporter: the local broker's
 * stand-in for the refresher Lambda's log lines and metrics.
 */
function refreshAndReport(
  sets: readonly RefresherCredentialSet[],
  deps: RetryChainDependencies,
  reporter: Reporter,
  report: (tell: () => void) => void,
): RunRefresh {
  const tellNotes = (credential: string, notes: readonly RefreshNote[]) => {
    for (const note of notes) {
      switch (note.kind) {
        case 'retry':
          report(() => reporter.retrying(note.attempt, note.delayMs, note.error));
          break;
        case 'record-failed':
          report(() =>
            reporter.problem(`could not record the refresh outcome of '${credential}'`, note.error),
          );
          break;
        case 'remaining-unknown':
          report(() => reporter.problem(`could not read the stored token of '${credential}'`, note.error));
          break;
        case 'run-not-taken':
          report(() => reporter.problem(`could not hold the retry run of '${credential}'`, note.error));
          break;
        case 'fallback-failed':
          // Only a source with versions (Secrets Manager) has an AWSPREVIOUS.
          report(() => reporter.problem(`could not use the previous secret of '${credential}'`, note.error));
          break;
        default:
          // A new kind of note fails the type check here until it is told above.
          note satisfies never;
      }
    }
  };
  return async (event) => {
    const request = parseRefreshRequest(event, sets);
    try {
      const done = await refreshWithRetries(request, deps, { deadlineMs: Date.now() + REFRESH_BUDGET_MS });
      // A retry whose chain ended meanwhile did nothing: nothing to tell.
      if (done.outcome === 'retry-not-needed') return;
      tellNotes(done.credential, done.notes);
      reporter.refreshed({
        credential: done.credential,
        reason: done.reason,
        outcome: done.outcome,
        expiresAt: done.expiresAt,
        secondsLeft: done.secondsLeft,
        attempts: done.attempts,
      });
    } catch (failure) {
      if (!(failure instanceof RefreshFailure)) throw failure;
      tellNotes(failure.credential, failure.notes);
      const { credential, reason, cause: error, secondsLeft } = failure;
      report(() => reporter.refreshFailed({ credential, reason, error, secondsLeft }));
    }
  };
}

/**
 * The reader middleware's log lines as the reporter says them: refusals are the caller's
 * business and a refresh request is told by the trigger, so only problems are shown.
 */
function reporterLogger(reporter: Reporter): MiddlewareLogger {
  const asError = (fields: { readonly [key: string]: unknown }) =>
    Object.assign(new Error(String(fields.errorMessage)), { name: String(fields.errorName) });
  return {
    info: () => undefined,
    warn: (message, fields) =>
      reporter.problem(`${message} for '${String(fields.credential)}'`, asError(fields)),
    error: (_message, fields) => reporter.problem('a read failed (the caller got HTTP 500)', asError(fields)),
  };
}
