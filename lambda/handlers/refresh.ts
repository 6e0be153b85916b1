/**
 * Refresher Lambda: `{"credential": NAME, "reason"?}` from the schedule, the secret
 * rotation rule, the deploy-time custom resource, a self-healing reader or an operator
 * -> fetch a fresh token -> store it -> record the outcome. Answers a summary without the
 * token; throws on failure so Lambda's retries, on-failure destination and alarms see it.
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
import { systemClock } from '../core/ports.js';
import { type RefreshDependencies, refreshToken } from '../core/refresh.js';
import { failureCode, isSecretRejected, refreshAndRecord } from '../core/refresh-recorder.js';
import { parseRefreshRequest } from '../core/refresh-request.js';
import { DIMENSION, SERVICE } from '../core/telemetry.js';
import { secondsRemaining } from '../core/token-rules.js';
import { loadRefresherEnvironment } from './environment.js';
import { createObservability, errorFields, METRIC } from './observability.js';

/** Time kept back from the Lambda timeout to record, log, flush metrics and answer. */
const SAFETY_MARGIN_MS = 3_000;

const environment = loadRefresherEnvironment(process.env);
const { logger, metrics } = createObservability(SERVICE.refresher);
const dynamodb = new DynamoDBClient(AWS_CLIENT_CONFIG);
const store = new DynamoDbTokenStore({ client: dynamodb, tableName: environment.tableName });
const state = new DynamoDbStateStore({ client: dynamodb, tableName: environment.tableName });
const dependencies: RefreshDependencies = {
  credentials: new SecretsManagerCredentialSource({ client: new SecretsManagerClient(AWS_CLIENT_CONFIG) }),
  endpoint: new FetchTokenEndpoint(),
  store,
  clock: systemClock,
  sleep: (ms) => sleep(ms),
  random: Math.random,
  onRetry: ({ attempt, delayMs, error }) =>
    logger.warn('token refresh attempt failed, retrying', { attempt, delayMs, ...errorFields(error) }),
};

/** The refresher's answer: what happened, never the token. */
export interface RefreshResponse {
  readonly credential: string;
  readonly outcome: 'written' | 'superseded';
  readonly expiresAt: string;
  readonly attempts: number;
}

async function refresh(event: unknown, context: Context): Promise<RefreshResponse> {
  const { config, reason } = parseRefreshRequest(event, environment.credentials);
  logger.appendKeys({ credential: config.name, reason: reason ?? 'schedule-or-invoke' });
  metrics.addDimension(DIMENSION.credential, config.name);
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  try {
    const result = await refreshAndRecord(
      config.name,
      () => refreshToken(config, dependencies, { deadlineMs }),
      {
        state,
        clock: systemClock,
        onRecordError: (error) => logger.warn('could not record the refresh outcome', errorFields(error)),
      },
    );
    const expiresAt = new Date(result.expiresAt * 1000).toISOString();
    metrics.addMetric(METRIC.refreshSucceeded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, secondsRemaining(result, Date.now()));
    logger.info('token refreshed', { outcome: result.outcome, expiresAt, attempts: result.attempts });
    return { credential: config.name, outcome: result.outcome, expiresAt, attempts: result.attempts };
  } catch (error) {
    metrics.addMetric(METRIC.refreshFailed, MetricUnit.Count, 1);
    if (isSecretRejected(error)) metrics.addMetric(METRIC.secretRejected, MetricUnit.Count, 1);
    recordRejection(config.name, error);
    await recordRemaining(config.name);
    logger.error('token refresh failed; the stored token was left as it was', errorFields(error));
    throw error;
  } finally {
    logger.removeKeys(['credential', 'reason']);
  }
}

/** Token endpoint refusals by OAuth error code, for the dashboard (its own dimension set). */
function recordRejection(credential: string, error: unknown): void {
  const code = failureCode(error);
  if (code === undefined) return;
  const single = metrics.singleMetric();
  single.addDimensions({ [DIMENSION.credential]: credential, [DIMENSION.errorCode]: code });
  single.addMetric(METRIC.tokenEndpointRejected, MetricUnit.Count, 1);
}

/**
 * After a failure, how long the token still stored will last: the metric the
 * "token nearing expiry" alarm watches. 0 when none is stored.
 */
async function recordRemaining(credential: string): Promise<void> {
  try {
    const stored = await store.get(credential);
    const left = stored ? Math.max(0, secondsRemaining(stored, Date.now())) : 0;
    metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, left);
  } catch (error) {
    logger.warn('could not read the stored token to report its remaining validity', errorFields(error));
  }
}

/** Lambda entry point. */
export const handler = middy(refresh).use(injectLambdaContext(logger)).use(logMetrics(metrics));
