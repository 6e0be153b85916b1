/**
 * Reader Lambda (docs/design.md, Reader): the Reader (lambda/core/reader.ts) answers; the reader
 * face serves both faces; READ_DEADLINE bounds each request by the remaining time.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { parseReaderEnvironment, SERVICE } from '../../contract/index.js';
import { AWS_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { LambdaRefreshTrigger } from '../adapters/lambda-refresh-trigger.js';
import { systemClock } from '../core/ports.js';
import { Reader } from '../core/reader.js';
import { createObservability } from '../middleware/observability.js';
import { readTelemetry } from '../middleware/read-telemetry.js';
import { READ_DEADLINE, readerFace, serveWithDeadline } from '../middleware/reader-face.js';

const { tableName, refresherFunctionName: functionName, ...env } = parseReaderEnvironment(process.env);
const { logger, metrics } = createObservability(SERVICE.reader);
const client = new DynamoDBClient(AWS_CLIENT_CONFIG);
const onMalformedItem = (credential: string, problem: string) =>
  logger.warn('stored token item is malformed; treating it as absent', { credential, problem });
// Made at the first refresh trigger: most cold starts never need the Lambda SDK.
const lambda = async () => new (await import('@aws-sdk/client-lambda')).LambdaClient(AWS_CLIENT_CONFIG);
const reader = new Reader({
  ...env,
  store: new DynamoDbTokenStore({ client, tableName, onMalformedItem }),
  state: new DynamoDbStateStore({ client, tableName }),
  clock: systemClock,
  trigger: functionName ? new LambdaRefreshTrigger({ client: lambda, functionName }) : undefined,
});

/** Lambda entry point. */
export const handler = middy(serveWithDeadline(reader), READ_DEADLINE)
  .use(injectLambdaContext(logger, { logEvent: false }))
  .use(logMetrics(metrics))
  .use(readerFace({ logger, metrics }))
  .use(readTelemetry({ logger, metrics }));
