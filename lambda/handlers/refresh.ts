/**
 * Refresher Lambda: `{"credential": NAME, "reason"?}` from the schedule, the secret
 * rotation rule, the deploy-time custom resource, a self-healing reader or an operator
 * -> fetch a fresh token -> store it -> record the outcome. Answers a summary without the
 * token; throws on failure so Lambda's retries, on-failure destination and alarms see it.
 * The steps live in the core's RefresherService (shared with the local broker); this
 * module wires the AWS adapters and turns outcomes into metrics and log lines.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AWS_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../adapters/oauth2-token-endpoint.js';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credential-source.js';
import { SecretNotSet } from '../core/errors.js';
import { systemClock } from '../core/ports.js';
import type { RefreshResult } from '../core/refresh.js';
import { failureCode, isSecretRejected } from '../core/refresh-recorder.js';
import { RefresherService, type RefreshObserver } from '../core/refresher-service.js';
import { DIMENSION, SERVICE } from '../core/telemetry.js';
import { loadRefresherEnvironment } from './environment.js';
import { createObservability, errorFields, METRIC } from './observability.js';

/** Time kept back from the Lambda timeout to record, log, flush metrics and answer. */
const SAFETY_MARGIN_MS = 3_000;

const environment = loadRefresherEnvironment(process.env);
const { logger, metrics } = createObservability(SERVICE.refresher);
const dynamodb = new DynamoDBClient(AWS_CLIENT_CONFIG);

/** Metrics and log lines for each refresh; the token never reaches them. */
const observer: RefreshObserver = {
  started: ({ config, reason }) => {
    logger.appendKeys({ credential: config.name, reason: reason ?? 'schedule-or-invoke' });
    metrics.addDimension(DIMENSION.credential, config.name);
  },
  succeeded: (_request, result, secondsLeft) => {
    metrics.addMetric(METRIC.refreshSucceeded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, secondsLeft);
    logger.info('token refreshed', {
      outcome: result.outcome,
      expiresAt: new Date(result.expiresAt * 1000).toISOString(),
      attempts: result.attempts,
    });
  },
  failed: ({ config }, error, secondsLeft) => {
    if (error instanceof SecretNotSet) {
      // A state, not an incident: the operator has not pasted the credentials in yet.
      logger.warn('the secret still holds the placeholder; no token was requested', errorFields(error));
      return;
    }
    metrics.addMetric(METRIC.refreshFailed, MetricUnit.Count, 1);
    if (isSecretRejected(error)) metrics.addMetric(METRIC.secretRejected, MetricUnit.Count, 1);
    recordRejection(config.name, error);
    // What the "token nearing expiry" alarm watches; unknown when the store could not be read.
    if (secondsLeft !== undefined) {
      metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, secondsLeft);
    }
    logger.error('token refresh failed; the stored token was left as it was', errorFields(error));
  },
  recordFailed: (_request, error) => logger.warn('could not record the refresh outcome', errorFields(error)),
  remainingUnknown: (_request, error) =>
    logger.warn('could not read the stored token to report its remaining validity', errorFields(error)),
  finished: () => logger.removeKeys(['credential', 'reason']),
};

const refresher = new RefresherService({
  configs: environment.credentials,
  dependencies: {
    credentials: new SecretsManagerCredentialSource({ client: new SecretsManagerClient(AWS_CLIENT_CONFIG) }),
    endpoint: new FetchTokenEndpoint(),
    store: new DynamoDbTokenStore({ client: dynamodb, tableName: environment.tableName }),
    clock: systemClock,
    sleep: (ms) => sleep(ms),
    random: Math.random,
    onRetry: ({ attempt, delayMs, error }) =>
      logger.warn('token refresh attempt failed, retrying', { attempt, delayMs, ...errorFields(error) }),
  },
  state: new DynamoDbStateStore({ client: dynamodb, tableName: environment.tableName }),
  observer,
});

/** The refresher's answer: what happened, never the token. */
export type RefreshResponse =
  | {
      readonly credential: string;
      readonly outcome: 'written' | 'superseded';
      readonly expiresAt: string;
      readonly attempts: number;
    }
  | { readonly credential: string; readonly outcome: 'secret-not-set'; readonly message: string };

async function refresh(event: unknown, context: Context): Promise<RefreshResponse> {
  const request = refresher.parse(event);
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  let result: RefreshResult;
  try {
    result = await refresher.run(request, { deadlineMs });
  } catch (error) {
    // Answered, not thrown: no Lambda retries, no failure queue, no alarm (README, Operating).
    if (error instanceof SecretNotSet) {
      return { credential: request.config.name, outcome: 'secret-not-set', message: error.message };
    }
    throw error;
  }
  return {
    credential: result.credential,
    outcome: result.outcome,
    expiresAt: new Date(result.expiresAt * 1000).toISOString(),
    attempts: result.attempts,
  };
}

/** Token endpoint refusals by OAuth error code, for the dashboard (its own dimension set). */
function recordRejection(credential: string, error: unknown): void {
  const code = failureCode(error);
  if (code === undefined) return;
  const single = metrics.singleMetric();
  single.addDimensions({ [DIMENSION.credential]: credential, [DIMENSION.errorCode]: code });
  single.addMetric(METRIC.tokenEndpointRejected, MetricUnit.Count, 1);
}

/** Lambda entry point. */
export const handler = middy(refresh).use(injectLambdaContext(logger)).use(logMetrics(metrics));
