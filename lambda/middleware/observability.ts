/**
 * Logger and metrics of a handler module. Powertools reads its settings (service name,
 * namespace, log level) from the environment the stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../../contract/index.js';

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

/**
 * Counts `name` once in its own dimension set (the service only, plus `dimensions`), apart
 * from the per-credential metrics of the invocation.
 */
export function countSingle(metrics: Metrics, name: string, dimensions: Record<string, string> = {}): void {
  const single = metrics.singleMetric();
  if (Object.keys(dimensions).length > 0) single.addDimensions(dimensions);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** The logging a middleware needs: Powertools' Logger, or the local broker's stand-in. */
export interface MiddlewareLogger {
  info(message: string, fields: { readonly [key: string]: unknown }): void;
  warn(message: string, fields: { readonly [key: string]: unknown }): void;
  error(message: string, fields: { readonly [key: string]: unknown }): void;
}
