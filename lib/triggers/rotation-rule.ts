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
import type { RefreshReason } from '../../lambda/core/telemetry.js';

/** What {@link createRotationRules} wires. */
export interface RotationRulesOptions {
  /** The secret of each credential set, by set name. */
  readonly secrets: ReadonlyMap<string, secretsmanager.ISecret>;
  /** Invoked with `{"credential": NAME, "reason": "secret-rotated"}`. */
  readonly refresher: lambda.IFunction;
  /** Receives events EventBridge could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
}

const REASON: RefreshReason = 'secret-rotated';

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

/** Creates `SecretRotated-<name>`, one rule per credential set, in `scope`. */
export function createRotationRules(
  scope: Construct,
  options: RotationRulesOptions,
): Map<string, events.Rule> {
  const rules = new Map<string, events.Rule>();
  for (const [name, secret] of options.secrets) {
    const rule = new events.Rule(scope, `SecretRotated-${name}`, {
      description: `Refreshes the A55 token of credential set '${name}' when its secret gets a new AWSCURRENT value`,
      eventPattern: rotationEventPattern(secret),
    });
    rule.addTarget(
      new targets.LambdaFunction(options.refresher, {
        event: events.RuleTargetInput.fromObject({ credential: name, reason: REASON }),
        // The refresher reads the secret again on every run, so a late retry is still useful;
        // after an hour the next scheduled refresh has picked up the new value anyway.
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: options.deadLetterQueue,
      }),
    );
    rules.set(name, rule);
  }
  return rules;
}
