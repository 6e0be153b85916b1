/** Refresher Lambda: the refresh use case and its retry chain (lambda/core/retry-chain.ts), told by refresh-outcome. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { parseRefresherEnvironment, REFRESHER_CONFIG_FILE, SERVICE } from '../../contract/index.js';
import { AWS_CLIENT_CONFIG, PARAMETER_STORE_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../adapters/oauth2-token-endpoint.js';
import { refreshEventOf } from '../adapters/queued-refresh-event.js';
import { RefresherConfiguration } from '../adapters/refresher-configuration.js';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credential-source.js';
import { retryQueueAt } from '../adapters/sqs-retry-queue.js';
import { systemRuntime } from '../core/ports.js';
import { parseRefreshRequest } from '../core/refresh-request.js';
import { refreshWithRetries } from '../core/retry-chain.js';
import { createObservability } from '../middleware/observability.js';
import { refreshOutcome } from '../middleware/refresh-outcome.js';

const SAFETY_MARGIN_MS = 3_000; // kept back from the timeout to record, log, flush metrics, answer
// At cold start: the sets the construct wrote beside the bundle (decision 33), and their
// parameters, read again once they are 5 minutes old (decision 45).
const config = await RefresherConfiguration.load(
  {
    file: new URL(REFRESHER_CONFIG_FILE, import.meta.url),
    env: process.env,
    ssm: () => new SSMClient(PARAMETER_STORE_CLIENT_CONFIG),
  },
  parseRefresherEnvironment,
  systemRuntime.clock,
);
const { tableName, refreshIntervalSeconds, retryQueueUrl } = config.value;
const { logger, metrics } = createObservability(SERVICE.refresher);
const client = new DynamoDBClient(AWS_CLIENT_CONFIG);
const deps = {
  ...systemRuntime,
  credentials: new SecretsManagerCredentialSource({ client: new SecretsManagerClient(AWS_CLIENT_CONFIG) }),
  endpoint: new FetchTokenEndpoint(),
  store: new DynamoDbTokenStore({ client, tableName }),
  state: new DynamoDbStateStore({ client, tableName }),
  ...(refreshIntervalSeconds === undefined ? {} : { refreshIntervalSeconds }),
  ...retryQueueAt(retryQueueUrl),
};
const run = async (event: unknown, context: { getRemainingTimeInMillis(): number }) => {
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const { value, stale } = await config.current();
  if (stale) logger.warn('using the credential set parameters read before', { error: stale.message });
  return refreshWithRetries(parseRefreshRequest(refreshEventOf(event), value.credentials), deps, {
    deadlineMs,
  });
};

/** Lambda entry point. */
export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(refreshOutcome({ logger, metrics }));
