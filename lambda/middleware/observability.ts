/**
 * Logger and metrics of a handler module. Powertools reads its settings (service name,
 * namespace, log level) from the environment the stack sets, with one exception: the
 * event is never logged, whatever `POWERTOOLS_LOGGER_LOG_EVENT` says. A Function URL event
 * carries the caller's SigV4 `Authorization` header and, for temporary credentials, its
 * `X-Amz-Security-Token`; the refresher's events need no logging either. As a second line,
 * any logged field named like one of those headers is redacted.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BROKER_FUNCTION_ENV, DIMENSION, METRICS_NAMESPACE } from '../../contract/index.js';

/** Logged field names (any case) whose values are credentials: replaced by `[redacted]`. */
const CREDENTIAL_FIELDS = new Set(['authorization', 'x-amz-security-token']);

/** Powertools' Logger that never logs the invocation event (pinned `logEvent: false`). */
class EventlessLogger extends Logger {
  override shouldLogEvent(_overwriteValue?: boolean): boolean {
    return false;
  }
  override logEventIfEnabled(_event: unknown, _overwriteValue?: boolean): void {}
}

/**
 * A logger and a metrics instance for one handler module. Every metric, single ones too,
 * carries the `broker` dimension when the stack set the broker's name (BROKER_NAME): two
 * brokers in one account and region then never add to each other's metrics or alarms.
 */
export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const broker = process.env[BROKER_FUNCTION_ENV.brokerName]?.trim();
  return {
    logger: new EventlessLogger({
      serviceName,
      jsonReplacerFn: (key: string, value: unknown) =>
        CREDENTIAL_FIELDS.has(key.toLowerCase()) ? '[redacted]' : value,
    }),
    metrics: new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      ...(broker ? { defaultDimensions: { [DIMENSION.broker]: broker } } : {}),
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
