/** Refresher Lambda: the refresh use case (lambda/core/refresh.ts), its outcome told by refresh-outcome. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { parseRefresherEnvironment, SERVICE } from '../../contract/index.js';
import { AWS_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../adapters/oauth2-token-endpoint.js';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credential-source.js';
import { systemRuntime } from '../core/ports.js';
import { refresh } from '../core/refresh.js';
import { parseRefreshRequest } from '../core/refresh-request.js';
import { createObservability } from '../middleware/observability.js';
import { refreshOutcome } from '../middleware/refresh-outcome.js';

const SAFETY_MARGIN_MS = 3_000; // kept back from the timeout to record, log, flush metrics, answer
const { tableName, credentials: sets, refreshIntervalSeconds } = parseRefresherEnvironment(process.env);
const { logger, metrics } = createObservability(SERVICE.refresher);
const client = new DynamoDBClient(AWS_CLIENT_CONFIG);
const deps = {
  ...systemRuntime,
  credentials: new SecretsManagerCredentialSource({ client: new SecretsManagerClient(AWS_CLIENT_CONFIG) }),
  endpoint: new FetchTokenEndpoint(),
  store: new DynamoDbTokenStore({ client, tableName }),
  state: new DynamoDbStateStore({ client, tableName }),
  ...(refreshIntervalSeconds === undefined ? {} : { refreshIntervalSeconds }),
};
const run = (event: unknown, context: { getRemainingTimeInMillis(): number }) =>
  refresh(parseRefreshRequest(event, sets), deps, {
    deadlineMs: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
  });

/** Lambda entry point. */
export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(refreshOutcome({ logger, metrics }));
