/**
 * The reader's per-credential metrics and its self-healing log lines, read off what the
 * Reader answered (the local broker uses it for the log lines only): `ReadServed` for a token, `ReadUnavailable` for TokenUnavailable, and
 * `RefreshRequested` when the reader asked the refresher for a token (the outcome of its
 * refresh claim travels on the TokenUnavailable error). A caller's request refused for the
 * caller's own mistake (any other exposed reader error) is counted once as `ReadRefused`,
 * so the dashboard tells callers' mistakes from the reader's own failures (`ReadFailed`,
 * counted by the face). Use it after {@link readerFace}, so it sees the Reader's own result
 * before the face wraps it.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { DIMENSION, METRIC, readerAnswerFor } from '../../contract/index.js';
import { BrokerError, errorFields, TokenUnavailable } from '../core/errors.js';
import type { TokenView } from '../core/reader.js';
import { countSingle, type MiddlewareLogger } from './observability.js';

/** Options of {@link readTelemetry}. */
export interface ReadTelemetryOptions {
  readonly logger: MiddlewareLogger;
  /** @default no metrics */
  readonly metrics?: Metrics;
}

/** The read telemetry middleware. */
export function readTelemetry({
  logger,
  metrics,
}: ReadTelemetryOptions): middy.MiddlewareObj<unknown, unknown> {
  const readTelemetryMiddlewareAfter = (request: middy.Request<unknown, unknown>): void => {
    const answer = request.response;
    // The status answer is not a read of one credential.
    if (!metrics || !isTokenView(answer)) return;
    metrics.addDimension(DIMENSION.credential, answer.credential);
    metrics.addMetric(METRIC.readServed, MetricUnit.Count, 1);
  };

  const readTelemetryMiddlewareOnError = (request: middy.Request<unknown, unknown>): void => {
    const { error } = request;
    if (!(error instanceof TokenUnavailable)) {
      // The face's expose rule tells a refusal (the caller's mistake) from a failure.
      if (metrics && error instanceof BrokerError && readerAnswerFor(error.name).expose) {
        countSingle(metrics, METRIC.readRefused);
      }
      return;
    }
    const { credential, refreshClaim } = error;
    metrics?.addDimension(DIMENSION.credential, credential);
    metrics?.addMetric(METRIC.readUnavailable, MetricUnit.Count, 1);
    if (refreshClaim.outcome === 'requested') {
      metrics?.addMetric(METRIC.refreshRequested, MetricUnit.Count, 1);
      logger.info('no usable token; asked the refresher for one', { credential });
    } else if (refreshClaim.outcome === 'failed') {
      logger.warn('could not ask the refresher for a token', {
        credential,
        ...errorFields(refreshClaim.error),
      });
    }
  };

  return { after: readTelemetryMiddlewareAfter, onError: readTelemetryMiddlewareOnError };
}

function isTokenView(value: unknown): value is TokenView {
  return typeof value === 'object' && value !== null && 'accessToken' in value && 'credential' in value;
}
