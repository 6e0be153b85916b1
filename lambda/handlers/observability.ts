/**
 * Logger and metrics shared by a handler module. Powertools reads its settings
 * (service name, namespace, log level) from the environment the stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../core/telemetry.js';

export { METRIC } from '../core/telemetry.js';

/** A logger and a metrics instance for one handler module. */
export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    }),
  };
}

/** The loggable part of an error: its name and message, which never hold secrets by construction. */
export function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'UnknownError', errorMessage: 'a non-error value was thrown' };
}
