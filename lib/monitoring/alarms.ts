/**
 * The broker's alarms: a failing broker pages someone before a caller sees a 503. Per
 * credential set: refresh failed, secret rejected, stored token under 10 minutes, reads
 * answered TokenUnavailable; for the broker: reader errors and failed refreshes waiting in
 * the failure queue. Each notifies the optional SNS topic on ALARM and on OK.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE } from '../../lambda/core/telemetry.js';
import { credentialMetric } from './metrics.js';

/** Seconds of validity under which the stored token alarms (the "under 10 minutes"). */
export const TOKEN_EXPIRY_ALARM_SECONDS = 600;

/** The alarms of one credential set. */
export interface CredentialAlarms {
  /** RefreshFailed Sum >= 1 in 5 minutes. */
  readonly refreshFailed: cloudwatch.Alarm;
  /** SecretRejected Sum >= 1 in 1 minute: the token endpoint refused the (new) secret. */
  readonly secretRejected: cloudwatch.Alarm;
  /** TokenSecondsRemaining Minimum < 600 in 5 minutes. */
  readonly tokenExpiring: cloudwatch.Alarm;
  /** ReadUnavailable Sum >= 1 in 5 minutes: a caller was answered TokenUnavailable. */
  readonly readUnavailable: cloudwatch.Alarm;
}

/** Every alarm of a broker. */
export interface TokenBrokerAlarms {
  /** The alarms of each credential set, by set name. */
  readonly byCredential: ReadonlyMap<string, CredentialAlarms>;
  /** Reader-side failures (metric ReadFailed) Sum >= 1 in 5 minutes. */
  readonly readerErrors: cloudwatch.Alarm;
  /** The failure queue holds at least one failed refresh. */
  readonly failureQueueNotEmpty: cloudwatch.Alarm;
  /** All of the above, e.g. to add another action to each. */
  readonly all: readonly cloudwatch.Alarm[];
}

/** What {@link createAlarms} watches. */
export interface AlarmsOptions {
  readonly credentialNames: readonly string[];
  readonly failureQueue: sqs.IQueue;
  /** Notified on ALARM and on OK, when given. */
  readonly topic?: sns.ITopic;
}

/** Count alarms: one occurrence in one period alarms; a period without data is fine. */
const atLeastOnce = {
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
} as const;

/** Creates the alarms under a new `Alarms` construct in `scope`. */
export function createAlarms(scope: Construct, options: AlarmsOptions): TokenBrokerAlarms {
  const root = new Construct(scope, 'Alarms');
  const fiveMinutes = Duration.minutes(5);

  const byCredential = new Map<string, CredentialAlarms>();
  for (const name of options.credentialNames) {
    byCredential.set(name, {
      refreshFailed: new cloudwatch.Alarm(root, `RefreshFailed-${name}`, {
        alarmDescription:
          `A55 token broker: a refresh of credential set '${name}' failed; the stored token is unchanged. ` +
          'Read the status (GET /status) for the error and the refresher log for details.',
        metric: credentialMetric(METRIC.refreshFailed, name, { period: fiveMinutes }),
        ...atLeastOnce,
      }),
      secretRejected: new cloudwatch.Alarm(root, `SecretRejected-${name}`, {
        alarmDescription:
          `A55 token broker: the token endpoint rejected the client credentials of credential set '${name}' ` +
          '(invalid_client). If the secret was just changed, the new value is wrong; the previous token is ' +
          'served until it expires.',
        metric: credentialMetric(METRIC.secretRejected, name, { period: Duration.minutes(1) }),
        ...atLeastOnce,
      }),
      tokenExpiring: new cloudwatch.Alarm(root, `TokenExpiring-${name}`, {
        alarmDescription:
          `A55 token broker: the stored token of credential set '${name}' had under ` +
          `${TOKEN_EXPIRY_ALARM_SECONDS / 60} minutes left after the last refresh attempt; callers get ` +
          'TokenUnavailable once it is below their minValiditySeconds.',
        metric: credentialMetric(METRIC.tokenSecondsRemaining, name, {
          statistic: 'Minimum',
          period: fiveMinutes,
        }),
        threshold: TOKEN_EXPIRY_ALARM_SECONDS,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // The refresher emits this once per attempt (every refresh interval), so most periods
        // have no data: keep the state of the last attempt instead of turning OK in between.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      }),
      readUnavailable: new cloudwatch.Alarm(root, `ReadUnavailable-${name}`, {
        alarmDescription:
          `A55 token broker: callers of credential set '${name}' were answered TokenUnavailable (503); ` +
          'the reader asked the refresher for a refresh. See the RefreshFailed alarm and the status.',
        metric: credentialMetric(METRIC.readUnavailable, name, { period: fiveMinutes }),
        ...atLeastOnce,
      }),
    });
  }

  // Not the Lambda Errors metric: on direct invoke every refusal (BadRequest, TokenUnavailable,
  // ...) is a thrown error, so one misconfigured caller would page someone.
  const readerErrors = new cloudwatch.Alarm(root, 'ReaderErrors', {
    alarmDescription:
      'A55 token broker: the reader failed on its side (InternalError: DynamoDB or KMS refused it, ' +
      'or a bug) and callers got HTTP 500. The reader log has the cause.',
    metric: new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.readFailed,
      dimensionsMap: { [DIMENSION.service]: SERVICE.reader },
      statistic: 'Sum',
      period: fiveMinutes,
    }),
    ...atLeastOnce,
  });
  const failureQueueNotEmpty = new cloudwatch.Alarm(root, 'FailureQueueNotEmpty', {
    alarmDescription:
      'A55 token broker: failed refreshes are waiting in the failure queue (refresher async invokes ' +
      'that failed after their retries, or rotation events that could not be delivered). Read the ' +
      'messages for the credential and error, fix the cause, then purge the queue.',
    metric: options.failureQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: fiveMinutes,
    }),
    ...atLeastOnce,
  });

  const all = [
    ...[...byCredential.values()].flatMap((alarms) => [
      alarms.refreshFailed,
      alarms.secretRejected,
      alarms.tokenExpiring,
      alarms.readUnavailable,
    ]),
    readerErrors,
    failureQueueNotEmpty,
  ];
  if (options.topic !== undefined) {
    const action = new SnsAction(options.topic);
    for (const alarm of all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
  return { byCredential, readerErrors, failureQueueNotEmpty, all };
}
