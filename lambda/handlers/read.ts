/**
 * Reader Lambda, IAM-protected on both faces: a direct invoke with
 * `{"credential"?, "minValiditySeconds"?}` answers the token or throws an error whose
 * `errorType` is its name; the Function URL answers `GET /token?credential=NAME` with
 * JSON and HTTP statuses (DESIGN.md, Read Lambda).
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { AWS_CLIENT_CONFIG } from '../adapters/aws-client-config.js';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.js';
import { BrokerError, TokenUnavailable } from '../core/errors.js';
import { systemClock } from '../core/ports.js';
import { parseReadRequest, TokenReader, type TokenView } from '../core/read.js';
import { loadReaderEnvironment } from './environment.js';
import { errorResponse, isFunctionUrlEvent, jsonResponse, parseTokenRequest } from './http-face.js';
import { createObservability, errorFields, METRIC } from './observability.js';

const environment = loadReaderEnvironment(process.env);
const { logger, metrics } = createObservability('token-broker-reader');
const reader = new TokenReader({
  store: new DynamoDbTokenStore({
    client: new DynamoDBClient(AWS_CLIENT_CONFIG),
    tableName: environment.tableName,
    onMalformedItem: (credential, problem) =>
      logger.warn('stored token item is malformed; treating it as absent', { credential, problem }),
  }),
  clock: systemClock,
  cacheSeconds: environment.cacheSeconds,
});

/** Validates, reads and records metrics; shared by both faces. */
async function serve(payload: unknown): Promise<TokenView> {
  const request = parseReadRequest(payload, environment.credentialNames);
  metrics.addDimension('credential', request.credential);
  try {
    const token = await reader.read(request);
    metrics.addMetric(METRIC.readServed, MetricUnit.Count, 1);
    return token;
  } catch (error) {
    if (error instanceof TokenUnavailable) metrics.addMetric(METRIC.readUnavailable, MetricUnit.Count, 1);
    throw error;
  }
}

/** Errors whose name and message are meant for the caller; the rest are internal. */
function isCallerFacing(error: unknown): error is BrokerError {
  return error instanceof BrokerError && (error.status < 500 || error instanceof TokenUnavailable);
}

/** Logs what went wrong without the request (it may hold a SigV4 Authorization header). */
function logFailure(error: unknown): void {
  if (error instanceof BrokerError && error.status < 500) logger.info('read refused', errorFields(error));
  else logger.error('read failed', errorFields(error));
}

async function read(event: unknown): Promise<TokenView | APIGatewayProxyStructuredResultV2> {
  if (isFunctionUrlEvent(event)) return readOverHttp(event);
  try {
    return await serve(event);
  } catch (error) {
    logFailure(error);
    if (isCallerFacing(error)) throw error;
    // Server-side failures leave as a generic error: their detail stays in the log.
    throw new InternalError();
  }
}

async function readOverHttp(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    return jsonResponse(200, await serve(parseTokenRequest(event)));
  } catch (error) {
    logFailure(error);
    return errorResponse(error);
  }
}

/** What an invoke caller sees for a failure the reader did not foresee. */
class InternalError extends Error {
  constructor() {
    super('internal error; see the reader logs');
    this.name = 'InternalError';
  }
}

/** Lambda entry point. */
export const handler = middy(read).use(injectLambdaContext(logger)).use(logMetrics(metrics));
