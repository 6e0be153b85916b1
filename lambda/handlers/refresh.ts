/**
 * Refresher Lambda: `{"credential": NAME}` from the schedule (or a direct invoke) ->
 * fetch a fresh token -> store it. Answers a summary without the token; throws on
 * failure so Lambda's retries, destinations and alarms see it.
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
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../adapters/oauth2-token-endpoint.js';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credential-source.js';
import { systemClock } from '../core/ports.js';
import { type RefreshDependencies, refreshToken } from '../core/refresh.js';
import { selectCredential } from '../core/refresh-request.js';
import { loadRefresherEnvironment } from './environment.js';
import { createObservability, errorFields, METRIC } from './observability.js';

/** Time kept back from the Lambda timeout to log, flush metrics and answer. */
const SAFETY_MARGIN_MS = 3_000;

const environment = loadRefresherEnvironment(process.env);
const { logger, metrics } = createObservability('token-broker-refresher');
const dependencies: RefreshDependencies = {
  credentials: new SecretsManagerCredentialSource({ client: new SecretsManagerClient(AWS_CLIENT_CONFIG) }),
  endpoint: new FetchTokenEndpoint(),
  store: new DynamoDbTokenStore({
    client: new DynamoDBClient(AWS_CLIENT_CONFIG),
    tableName: environment.tableName,
  }),
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
  const config = selectCredential(event, environment.credentials);
  logger.appendKeys({ credential: config.name });
  metrics.addDimension('credential', config.name);
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  try {
    const result = await refreshToken(config, dependencies, { deadlineMs });
    const expiresAt = new Date(result.expiresAt * 1000).toISOString();
    metrics.addMetric(METRIC.refreshSucceeded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, result.expiresAt - Date.now() / 1000);
    logger.info('token refreshed', { outcome: result.outcome, expiresAt, attempts: result.attempts });
    return { credential: config.name, outcome: result.outcome, expiresAt, attempts: result.attempts };
  } catch (error) {
    metrics.addMetric(METRIC.refreshFailed, MetricUnit.Count, 1);
    logger.error('token refresh failed; the stored token was left as it was', errorFields(error));
    throw error;
  } finally {
    logger.removeKeys(['credential']);
  }
}

/** Lambda entry point. */
export const handler = middy(refresh).use(injectLambdaContext(logger)).use(logMetrics(metrics));
