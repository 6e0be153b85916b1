/**
 * The refresh schedules: one EventBridge Scheduler schedule per credential set, all
 * through one role that may invoke only the refresher.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';

/**
 * Creates `SchedulerRole` and `Schedule-<name>` per set in `scope` (ids unchanged since
 * the first release: renaming one replaces the schedule), with input `{"credential": name}`.
 */
export function createRefreshSchedules(
  scope: Construct,
  refresher: lambda.IFunction,
  credentialNames: readonly string[],
  intervalMinutes: number,
): Map<string, Schedule> {
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
  // LambdaInvoke would add `<arn>:*` (every version and alias); the statement above is all it needs.
  const targetRole = role.withoutPolicyUpdates();
  const interval = Duration.minutes(intervalMinutes);

  return new Map(
    credentialNames.map((name) => [
      name,
      new Schedule(scope, `Schedule-${name}`, {
        description: `Refreshes the A55 token of credential set '${name}'`,
        schedule: ScheduleExpression.rate(interval),
        timeWindow: TimeWindow.off(),
        target: new LambdaInvoke(refresher, {
          role: targetRole,
          input: ScheduleTargetInput.fromObject({ credential: name }),
          // An event older than one interval is superseded by the next one.
          maxEventAge: interval,
        }),
      }),
    ]),
  );
}
