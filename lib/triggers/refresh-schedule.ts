/**
 * The refresh schedules: one EventBridge Scheduler schedule per credential set (made by
 * its CredentialSet), all through one role of the broker that may invoke only the
 * refresher and send an undeliverable invoke to the failure queue (the target's
 * dead-letter queue), so a schedule that cannot reach the refresher is seen, not silent.
 */
import { type Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { refreshEvent } from '../../contract/index.js';

/** Creates `SchedulerRole` in `scope`: assumable by this account's default schedule group, invoking only `refresher`. */
export function createSchedulerRole(scope: Construct, refresher: lambda.IFunction): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'SchedulerRole', {
    description: 'Lets EventBridge Scheduler invoke the token broker refresher',
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      // Confused-deputy guard: only this account's default schedule group may assume it.
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [refresher.functionArn],
    }),
  );
  return role;
}

/** What {@link createRefreshSchedule} wires. */
export interface RefreshScheduleOptions {
  /** The credential set to refresh. */
  readonly credential: string;
  /** Invoked with `{"credential": NAME, "reason": "schedule"}`. */
  readonly refresher: lambda.IFunction;
  /** The broker's {@link createSchedulerRole} role. */
  readonly role: iam.Role;
  /** Time between two refreshes. */
  readonly interval: Duration;
  /**
   * Where Scheduler puts an invoke it could not deliver (the refresher throttled, deleted,
   * or not invokable by the role) once its retries or the event age run out: the broker's
   * failure queue, whose depth alarms.
   */
  readonly deadLetterQueue: sqs.IQueue;
}

/** Creates `Schedule` in `scope` (the credential set). */
export function createRefreshSchedule(scope: Construct, options: RefreshScheduleOptions): Schedule {
  const { credential, interval, deadLetterQueue } = options;
  allowDeadLetters(options.role, deadLetterQueue);
  return new Schedule(scope, 'Schedule', {
    description: `Refreshes the A55 token of credential set '${credential}'`,
    schedule: ScheduleExpression.rate(interval),
    timeWindow: TimeWindow.off(),
    target: new LambdaInvoke(options.refresher, {
      // LambdaInvoke would add `<arn>:*` (every version and alias) to the role; its own
      // statement is all the schedules need.
      role: options.role.withoutPolicyUpdates(),
      input: ScheduleTargetInput.fromObject(refreshEvent(credential, 'schedule')),
      // An event older than one interval is superseded by the next one.
      maxEventAge: interval,
      deadLetterQueue,
    }),
  });
}

/**
 * Lets the schedules' role send to the dead-letter queue, and use its key for that through
 * SQS only (Scheduler sends with the schedule's role). LambdaInvoke would add the
 * SendMessage itself, but the role is passed without policy updates (see above). The same
 * statements for every set: IAM's policy document keeps one copy.
 */
function allowDeadLetters(role: iam.Role, queue: sqs.IQueue): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  const key = queue.encryptionMasterKey;
  if (key === undefined) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(role).region}.amazonaws.com` } },
    }),
  );
}
