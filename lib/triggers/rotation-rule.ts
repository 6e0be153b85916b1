/**
 * Rotation pickup: Secrets Manager sends `Secret Label Updated` to the default event bus
 * when a staging label moves (no CloudTrail trail needed). When AWSCURRENT moves to a new
 * version (an operator saved a new secret value), the credential is refreshed at once, so a
 * rejected secret raises SecretRejected within a minute instead of at the next schedule.
 *
 * The rules have names of their own (`a55-<8 hex of the broker>-<set>`), so that one
 * permission on the refresher and one failure-queue statement (rules of that prefix) serve
 * every set: a permission and a queue statement per rule passed
 * Lambda's 20 KB function policy and SQS's 20 statements per queue policy long before 50
 * sets (docs/design.md, decision 43).
 */
import { createHash } from 'node:crypto';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { refreshEvent } from '../../contract/index.js';

/** EventBridge's longest rule name. */
const RULE_NAME_LENGTH = 64;

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
  /** The rule's name, {@link rotationRuleName} of the broker's prefix and the set. */
  readonly ruleName: string;
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

/**
 * `a55-<8 hex>-`: the start of every rotation rule name of `broker`, unique per account
 * and region: the hash is of the top-level stack's name and the broker's path below it.
 * A nested stack's own name is `{"Ref": "AWS::StackName"}` at synth, the same for every
 * nested stack, so brokers in two of them would share a prefix (and their rules' names);
 * the top-level stack is the one whose name is known, and the path tells its brokers apart.
 * A broker directly in a top-level stack keeps the prefix it had.
 */
export function rotationRulePrefix(broker: Construct): string {
  let top = Stack.of(broker);
  while (top.nestedStackParent !== undefined) top = top.nestedStackParent;
  const inStack = broker.node.scopes
    .slice(top.node.scopes.length)
    .map((scope) => scope.node.id)
    .join('/');
  const identity = JSON.stringify([top.resolve(top.stackName), inStack]);
  return `a55-${createHash('sha256').update(identity).digest('hex').slice(0, 8)}-`;
}

/** The rule name of set `credential`: the prefix and the name, cut and hashed when longer than 64. */
export function rotationRuleName(prefix: string, credential: string): string {
  const name = `${prefix}${credential}`;
  if (name.length <= RULE_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(credential).digest('hex').slice(0, 8);
  return `${name.slice(0, RULE_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

/** The ARN of the default event bus's rule `ruleName` in `scope`'s account and region. */
function ruleArn(scope: Construct, ruleName: string): string {
  return Stack.of(scope).formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: ruleName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Creates `RotationRule` in `scope` (the credential set), named `ruleName`. Its target
 * carries no permission of its own: {@link allowRotationRules} gives them all at once.
 */
export function createRotationRule(scope: Construct, options: RotationRuleOptions): events.Rule {
  const { credential, refresher } = options;
  const rule = new events.Rule(scope, 'RotationRule', {
    ruleName: options.ruleName,
    description: `Refreshes the A55 token of credential set '${credential}' when its secret gets a new AWSCURRENT value`,
    eventPattern: rotationEventPattern(options.secret),
  });
  rule.addTarget({
    bind: () => ({
      arn: refresher.functionArn,
      input: events.RuleTargetInput.fromObject(refreshEvent(credential, 'secret-rotated')),
      // The refresher reads the secret again on every run, so a late retry is still useful;
      // after an hour the next scheduled refresh has picked up the new value anyway.
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() },
      deadLetterConfig: { arn: options.deadLetterQueue.queueArn },
      targetResource: refresher,
    }),
  });
  return rule;
}

/** What {@link allowRotationRules} opens, and to which rules. */
export interface RotationRuleAccess {
  readonly refresher: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** {@link rotationRulePrefix} of the broker: the start of every name of its rules. */
  readonly prefix: string;
}

/**
 * Lets the broker's rotation rules, and no other principal, invoke the refresher and send
 * their undeliverable events to the failure queue: one permission and one queue statement,
 * each for EventBridge of this account and rules named with the broker's prefix.
 */
export function allowRotationRules(broker: Construct, access: RotationRuleAccess): void {
  const stack = Stack.of(broker);
  access.refresher.addPermission('RotationRules', {
    principal: new iam.ServicePrincipal('events.amazonaws.com'),
    action: 'lambda:InvokeFunction',
    sourceArn: ruleArn(broker, `${access.prefix}*`),
    sourceAccount: stack.account,
  });
  access.deadLetterQueue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowRotationRuleDeadLetters',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [access.deadLetterQueue.queueArn],
      // A pattern, as in the permission: a list of 50 ARNs would be 50 condition values, and
      // SQS allows 10 conditions and 8,192 bytes per policy.
      conditions: {
        ArnLike: { 'aws:SourceArn': ruleArn(broker, `${access.prefix}*`) },
        // A rule on a custom event bus is `rule/<bus>/<rule>`, and a bus named with the prefix
        // would match the pattern above; the broker's rules are on the default bus,
        // `rule/<rule>`, and a rule name has no `/`. (A Lambda permission takes one source
        // ARN pattern and no exclusion: decision 43.)
        ArnNotLike: { 'aws:SourceArn': ruleArn(broker, '*/*') },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
}
