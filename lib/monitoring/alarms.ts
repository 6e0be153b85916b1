/**
 * The broker's alarms: a failing broker pages someone before a caller sees a 503. Per
 * credential set (made by its CredentialSet): refresh failed, secret rejected, stored
 * token under 10 minutes, no successful refresh in two intervals (the heartbeat), reads
 * answered TokenUnavailable, tokens issued too short-lived for the schedule; for the
 * broker: reader-side failures and failed refreshes waiting in the failure queue. Each has
 * an explicit `AlarmName` (lib/monitoring/names.ts: `<broker>-<kind>[-<set>]`, what the
 * README's runbook lists) and notifies the optional SNS topic on ALARM and on OK. Metrics
 * come from the broker's `metricXxx` methods.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ITokenBroker } from '../token-broker-parts.js';
import {
  BROKER_ALARM_KINDS,
  brokerAlarmName,
  CREDENTIAL_ALARM_KINDS,
  type CredentialAlarmKind,
  credentialAlarmName,
} from './names.js';

/** Seconds of validity under which the stored token alarms (the "under 10 minutes"). */
export const TOKEN_EXPIRY_ALARM_SECONDS = 600;

/** The alarms of one credential set. */
export interface CredentialAlarms {
  /** RefreshFailed Sum >= 1 in 5 minutes. */
  readonly refreshFailed: cloudwatch.Alarm;
  /** SecretRejected Sum >= 1 in 1 minute: the token endpoint refused the (new) secret. */
  readonly secretRejected: cloudwatch.Alarm;
  /**
   * No refresh attempt in the last interval + 10 minutes left the token at least 600 s:
   * TokenSecondsRemaining Minimum < 600 (or no report, missing data breaching) in every
   * 5-minute period of that window.
   */
  readonly tokenExpiring: cloudwatch.Alarm;
  /**
   * The heartbeat: no RefreshSucceeded for the set in two refresh intervals (missing data
   * breaching), e.g. the schedule stopped firing, or every refresh fails.
   */
  readonly refreshOverdue: cloudwatch.Alarm;
  /** ReadUnavailable Sum >= 1 in 5 minutes: a caller was answered TokenUnavailable. */
  readonly readUnavailable: cloudwatch.Alarm;
  /**
   * TokenLifetimeTooShort Sum >= 1 in 1 hour: the token endpoint issues tokens that do not
   * outlive the next scheduled run by the default validity.
   */
  readonly tokenLifetimeTooShort: cloudwatch.Alarm;
}

/** Every alarm of a broker. */
export interface TokenBrokerAlarms {
  /** Reader-side failures (metric ReadFailed) Sum >= 1 in 5 minutes. */
  readonly readerErrors: cloudwatch.Alarm;
  /** The failure queue holds at least one failed refresh. */
  readonly failureQueueNotEmpty: cloudwatch.Alarm;
  /**
   * Every alarm: each credential set's (see `credentialSet(name).alarms`), then the two
   * above, e.g. to add another action to each.
   */
  readonly all: readonly cloudwatch.Alarm[];
}

/** Count alarms: one occurrence in one period alarms; a period without data is fine. */
const atLeastOnce = {
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
} as const;

const fiveMinutes = Duration.minutes(5);

/**
 * How many 5-minute periods cover `window` whatever their alignment: one more than fit, so
 * that a run at the window's start is never cut off by a period boundary.
 */
function periodsCovering(window: Duration): number {
  return Math.ceil(window.toSeconds() / fiveMinutes.toSeconds()) + 1;
}

/**
 * Alarms on the absence of good news: ALARM when every one of `periods` 5-minute periods is
 * breaching, a period without data included. One good datapoint in the window keeps it OK,
 * so it needs no datapoint every period, yet a silent metric (the schedule stopped, the
 * refresher cannot run) alarms once the window has passed.
 */
function throughout(periods: number) {
  return {
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  } as const;
}

/** The five alarms of credential set `name`, under a new `Alarms` construct in `scope`. */
export function createCredentialAlarms(
  scope: Construct,
  broker: ITokenBroker,
  name: string,
): CredentialAlarms {
  const root = new Construct(scope, 'Alarms');
  const alarmName = (kind: CredentialAlarmKind) => credentialAlarmName(broker.brokerName, kind, name);
  // A scheduled run falls in any window this long, however late (Scheduler, a cold start).
  const oneRunWindow = broker.refreshInterval.plus(Duration.minutes(10));
  return {
    refreshFailed: new cloudwatch.Alarm(root, 'RefreshFailed', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.refreshFailed),
      alarmDescription:
        `A55 token broker: a refresh of credential set '${name}' failed; the stored token is unchanged. ` +
        'Read the status (GET /status) for the error and the refresher log for details.',
      metric: broker.metricRefreshFailed(name, { period: fiveMinutes }),
      ...atLeastOnce,
    }),
    secretRejected: new cloudwatch.Alarm(root, 'SecretRejected', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.secretRejected),
      alarmDescription:
        `A55 token broker: the token endpoint rejected the client credentials of credential set '${name}' ` +
        '(invalid_client). If the secret was just changed, the new value is wrong; the previous token is ' +
        'served until it expires.',
      metric: broker.metricSecretRejected(name, { period: Duration.minutes(1) }),
      ...atLeastOnce,
    }),
    tokenExpiring: new cloudwatch.Alarm(root, 'TokenExpiring', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.tokenExpiring),
      alarmDescription:
        `A55 token broker: no refresh attempt of credential set '${name}' in the last ` +
        `${oneRunWindow.toMinutes()} minutes left the stored token at least ` +
        `${TOKEN_EXPIRY_ALARM_SECONDS / 60} minutes (or none reported at all); callers get ` +
        'TokenUnavailable once it is below their minValiditySeconds. Read the status (GET /status).',
      metric: broker.metricTokenSecondsRemaining(name, { statistic: 'Minimum', period: fiveMinutes }),
      threshold: TOKEN_EXPIRY_ALARM_SECONDS,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // The refresher reports once per attempt (every interval), so most periods have no data.
      // Missing data is not ignored (a stopped schedule would then never alarm): it breaches,
      // and one good report in a window holding a scheduled run keeps the alarm OK.
      ...throughout(periodsCovering(oneRunWindow)),
    }),
    refreshOverdue: new cloudwatch.Alarm(root, 'RefreshOverdue', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.refreshOverdue),
      alarmDescription:
        `A55 token broker: no refresh of credential set '${name}' succeeded in two refresh intervals ` +
        `(${broker.refreshInterval.toMinutes() * 2} minutes): the schedule is not firing, the refresher ` +
        'cannot run, or every refresh fails. Check the schedule, the failure queue, RefreshFailed and the status.',
      metric: broker.metricRefreshSucceeded(name, { period: fiveMinutes }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      ...throughout(periodsCovering(broker.refreshInterval.plus(broker.refreshInterval))),
    }),
    readUnavailable: new cloudwatch.Alarm(root, 'ReadUnavailable', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.readUnavailable),
      alarmDescription:
        `A55 token broker: callers of credential set '${name}' were answered TokenUnavailable (503); ` +
        'the reader asked the refresher for a refresh. See the RefreshFailed alarm and the status.',
      metric: broker.metricReadUnavailable(name, { period: fiveMinutes }),
      ...atLeastOnce,
    }),
    tokenLifetimeTooShort: new cloudwatch.Alarm(root, 'TokenLifetimeTooShort', {
      alarmName: alarmName(CREDENTIAL_ALARM_KINDS.tokenLifetimeTooShort),
      alarmDescription:
        `A55 token broker: the token endpoint issued credential set '${name}' a token that will not ` +
        'outlive the next scheduled refresh by the default minValiditySeconds (did A55 shorten the token ' +
        'lifetime?). Readers ask for early refreshes meanwhile; shorten the refresh interval.',
      // One hour holds at least one scheduled run (the interval is at most 54 minutes): the alarm
      // stays on while every token is that short and clears an hour after the last one.
      metric: broker.metricTokenLifetimeTooShort(name, { period: Duration.hours(1) }),
      ...atLeastOnce,
    }),
  };
}

/** The alarms of one set as a list, in a fixed order. */
export function credentialAlarmList(alarms: CredentialAlarms): cloudwatch.Alarm[] {
  return [
    alarms.refreshFailed,
    alarms.secretRejected,
    alarms.tokenExpiring,
    alarms.refreshOverdue,
    alarms.readUnavailable,
    alarms.tokenLifetimeTooShort,
  ];
}

/** The broker-wide alarms, under a new `Alarms` construct in `scope` (the broker). */
export function createBrokerAlarms(
  scope: Construct,
  broker: ITokenBroker,
  failureQueue: sqs.IQueue,
): Pick<TokenBrokerAlarms, 'readerErrors' | 'failureQueueNotEmpty'> {
  const root = new Construct(scope, 'Alarms');
  // Not the Lambda Errors metric: on direct invoke every refusal (BadRequest, TokenUnavailable,
  // ...) is a thrown error, so one misconfigured caller would page someone.
  const readerErrors = new cloudwatch.Alarm(root, 'ReaderErrors', {
    alarmName: brokerAlarmName(broker.brokerName, BROKER_ALARM_KINDS.readerErrors),
    alarmDescription:
      'A55 token broker: the reader failed on its side (InternalError: DynamoDB or KMS refused it, ' +
      'or a bug) and callers got HTTP 500. The reader log has the cause.',
    metric: broker.metricReadFailed({ period: fiveMinutes }),
    ...atLeastOnce,
  });
  const failureQueueNotEmpty = new cloudwatch.Alarm(root, 'FailureQueueNotEmpty', {
    alarmName: brokerAlarmName(broker.brokerName, BROKER_ALARM_KINDS.failureQueueNotEmpty),
    alarmDescription:
      'A55 token broker: failed refreshes are waiting in the failure queue (refresher async invokes ' +
      'that failed after their retries, rotation events or scheduled invokes that could not be ' +
      'delivered). Read the messages for the credential and error, fix the cause, then purge the queue.',
    metric: failureQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: fiveMinutes,
    }),
    ...atLeastOnce,
  });
  return { readerErrors, failureQueueNotEmpty };
}

/** Makes each alarm notify `topic` on ALARM and on OK; nothing without a topic. */
export function notifyOnAlarmAndOk(alarms: readonly cloudwatch.Alarm[], topic: sns.ITopic | undefined): void {
  if (topic === undefined) return;
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}
