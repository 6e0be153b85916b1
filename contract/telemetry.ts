/**
 * Names shared by the Lambda code that emits telemetry and the CDK code that alarms and
 * draws dashboards on it. Pure constants.
 */

/** CloudWatch namespace of every broker metric (Powertools EMF). */
export const METRICS_NAMESPACE = 'TokenBroker';

/** Powertools service names; also the `service` dimension of every metric. */
export const SERVICE = {
  refresher: 'token-broker-refresher',
  reader: 'token-broker-reader',
} as const;

/**
 * Metric names. Every metric has the dimensions `service`, `broker` (when the function knows
 * its broker: every deployed one does) and `credential` (except {@link METRIC.readFailed} and
 * {@link METRIC.readRefused}); {@link METRIC.tokenEndpointRejected} also has `errorCode` (the
 * OAuth error code, or `http_<status>`).
 */
export const METRIC = {
  /** A refresh stored a token (or found a newer one stored). Count. */
  refreshSucceeded: 'RefreshSucceeded',
  /** A refresh failed; the stored token was left as it was. Count. */
  refreshFailed: 'RefreshFailed',
  /** The token endpoint refused the client credentials (`invalid_client`/401): a bad or rotated-away secret. Count. */
  secretRejected: 'SecretRejected',
  /** The token endpoint refused a request (4xx), by `errorCode`. Count. */
  tokenEndpointRejected: 'TokenEndpointRejected',
  /** Seconds of validity the stored token has, measured after every refresh attempt. Seconds. */
  tokenSecondsRemaining: 'TokenSecondsRemaining',
  /**
   * A token was stored whose lifetime is too short for the schedule: at the next scheduled
   * run it would have no more than the default validity left (the endpoint shortened its
   * tokens). Readers' self-healing replaces it when it runs low; alarm on it so the
   * interval gets shortened. Only when the refresher knows the interval. Count.
   */
  tokenLifetimeTooShort: 'TokenLifetimeTooShort',
  /** A read was answered with a token. Count. */
  readServed: 'ReadServed',
  /** A read was answered TokenUnavailable. Count. */
  readUnavailable: 'ReadUnavailable',
  /** The reader asked the refresher for a refresh (self-healing). Count. */
  refreshRequested: 'RefreshRequested',
  /**
   * The reader failed on its side (InternalError: the store, a bug), as opposed to refusing a
   * caller. Only the `service` dimension: it may fail before knowing the credential. Count.
   */
  readFailed: 'ReadFailed',
  /**
   * The reader refused a caller's request (BadRequest, UnknownCredential, NotFound,
   * MethodNotAllowed): the caller's mistake, not the broker's, so no alarm pages on it.
   * Only the `service` dimension, like {@link METRIC.readFailed}. Count.
   */
  readRefused: 'ReadRefused',
} as const;

/** Dimension names. */
export const DIMENSION = {
  service: 'service',
  credential: 'credential',
  errorCode: 'errorCode',
  /**
   * Which broker emitted the metric (its `brokerName`, by default its stack's name), so two
   * brokers in one account and region never share a metric or an alarm.
   */
  broker: 'broker',
} as const;

/**
 * A broker name (the {@link DIMENSION.broker} value, the alarm names' prefix and the
 * dashboard's name): what CloudWatch accepts in a dashboard name, and no longer than a stack
 * name, so each alarm name stays under CloudWatch's 255 characters.
 */
export const BROKER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
