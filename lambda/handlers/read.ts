/**
 * Reader Lambda, IAM-protected on both faces: a direct invoke with
 * `{"credential"?, "minValiditySeconds"?}` (or `{"action": "status"}`) answers JSON or
 * throws an error whose `errorType` is its name; the Function URL answers
 * `GET /token?credential=NAME` and `GET /status` with JSON and HTTP statuses
 * (DESIGN.md, Read Lambda). When no token can be served it asks the refresher for one.
 * The answering lives in the core's ReaderService (shared with the local broker); this
 * module wires the AWS adapters and the two faces.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { AWS_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { LambdaRefreshTrigger } from '../adapters/lambda-refresh-trigger.js';
import { systemClock } from '../core/ports.js';
import { TokenReader, type TokenView } from '../core/read.js';
import { isCallerFacing, ReaderService } from '../core/reader-service.js';
import { RefreshRequester } from '../core/self-heal.js';
import type { BrokerStatus } from '../core/status.js';
import { SERVICE } from '../core/telemetry.js';
import { loadReaderEnvironment } from './environment.js';
import { errorResponse, isFunctionUrlEvent, jsonResponse, parseHttpRequest } from './http-face.js';
import { createObservability, errorFields, METRIC } from './observability.js';

const environment = loadReaderEnvironment(process.env);
const { logger, metrics } = createObservability(SERVICE.reader);
const dynamodb = new DynamoDBClient(AWS_CLIENT_CONFIG);
const store = new DynamoDbTokenStore({
  client: dynamodb,
  tableName: environment.tableName,
  onMalformedItem: (credential, problem) =>
    logger.warn('stored token item is malformed; treating it as absent', { credential, problem }),
});
const state = new DynamoDbStateStore({ client: dynamodb, tableName: environment.tableName });
const reader = new TokenReader({ store, clock: systemClock, cacheSeconds: environment.cacheSeconds });
const requester = environment.refresherFunctionName
  ? new RefreshRequester({
      state,
      clock: systemClock,
      trigger: new LambdaRefreshTrigger({
        client: new LambdaClient(AWS_CLIENT_CONFIG),
        functionName: environment.refresherFunctionName,
      }),
    })
  : undefined;

/** Validates, answers and asks for refreshes (shared with the local broker); metrics and logs here. */
const service = new ReaderService({
  credentialNames: environment.credentialNames,
  reader,
  store,
  state,
  clock: systemClock,
  ...(requester ? { requester } : {}),
  observer: {
    requested: (credential) => metrics.addDimension('credential', credential),
    served: () => metrics.addMetric(METRIC.readServed, MetricUnit.Count, 1),
    unavailable: () => metrics.addMetric(METRIC.readUnavailable, MetricUnit.Count, 1),
    refreshRequested: (credential) => {
      metrics.addMetric(METRIC.refreshRequested, MetricUnit.Count, 1);
      logger.info('no usable token; asked the refresher for one', { credential });
    },
    refreshRequestFailed: (credential, error) =>
      logger.warn('could not ask the refresher for a token', { credential, ...errorFields(error) }),
  },
});

/** Logs what went wrong without the request (it may hold a SigV4 Authorization header). */
function logFailure(error: unknown): void {
  if (isCallerFacing(error)) {
    logger.info('read refused', errorFields(error));
    return;
  }
  logger.error('read failed', errorFields(error));
  // Its own dimension set (service only), apart from the per-credential metrics.
  const single = metrics.singleMetric();
  single.addMetric(METRIC.readFailed, MetricUnit.Count, 1);
}

async function read(event: unknown): Promise<TokenView | BrokerStatus | APIGatewayProxyStructuredResultV2> {
  if (isFunctionUrlEvent(event)) return readOverHttp(event);
  try {
    return await service.serve(event);
  } catch (error) {
    logFailure(error);
    if (isCallerFacing(error)) throw error;
    // Server-side failures leave as a generic error: their detail stays in the log.
    throw new InternalError();
  }
}

async function readOverHttp(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    return jsonResponse(200, await service.serve(parseHttpRequest(event)));
  } catch (error) {
    logFailure(error);
    return errorResponse(error);
  }
}

/** What an invoke caller sees for a failure the reader did not foresee. */
class InternalError extends Error {
  override readonly name = 'InternalError';
  constructor() {
    super('internal error; see the reader logs');
  }
}

/** Lambda entry point. */
export const handler = middy(read).use(injectLambdaContext(logger)).use(logMetrics(metrics));
