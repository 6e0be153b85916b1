/**
 * Rotation pickup: Secrets Manager sends `Secret Label Updated` to the default event bus
 * when a staging label moves (no CloudTrail trail needed). When AWSCURRENT moves to a new
 * version (an operator saved a new secret value), the credential is refreshed at once, so a
 * rejected secret raises SecretRejected within a minute instead of at the next schedule.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { refreshEvent } from '../../contract/index.js';

/** What {@link createRotationRule} wires. */
export interface RotationRuleOptions {
  /** The credential set to refresh. */
  readonly credential: string;
  /** Its client credentials secret. */
  readonly secret: secretsmanager.ISecret;
  /** Invoked with `{"credential": NAME, "reason": "secret-rotated"}`. */
  readonly refresher: lambda.IFunction;
  /** Receives events EventBridge could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The event pattern of one secret: by ARN when it is known in full (a created secret, or
 * one imported by complete ARN), else by name (`detail.name` is the secret's friendly name;
 * an imported-by-name secret's ARN suffix is unknown at synth time).
 */
export function rotationEventPattern(secret: secretsmanager.ISecret): events.EventPattern {
  const base = { source: ['aws.secretsmanager'], detailType: ['Secret Label Updated'] };
  if (secret.secretFullArn !== undefined) {
    return { ...base, resources: [secret.secretFullArn], detail: { labelUpdated: ['AWSCURRENT'] } };
  }
  return { ...base, detail: { name: [secret.secretName], labelUpdated: ['AWSCURRENT'] } };
}

/** Creates `RotationRule` in `scope` (the credential set). */
export function createRotationRule(scope: Construct, options: RotationRuleOptions): events.Rule {
  const { credential } = options;
  const rule = new events.Rule(scope, 'RotationRule', {
    description: `Refreshes the A55 token of credential set '${credential}' when its secret gets a new AWSCURRENT value`,
    eventPattern: rotationEventPattern(options.secret),
  });
  rule.addTarget(
    new targets.LambdaFunction(options.refresher, {
      event: events.RuleTargetInput.fromObject(refreshEvent(credential, 'secret-rotated')),
      // The refresher reads the secret again on every run, so a late retry is still useful;
      // after an hour the next scheduled refresh has picked up the new value anyway.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: options.deadLetterQueue,
    }),
  );
  return rule;
}
