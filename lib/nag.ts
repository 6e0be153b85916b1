/**
 * cdk-nag 3 wiring. cdk-nag 3 is a CDK validation plugin: it runs after synthesis and
 * writes its findings to `validation-report.json` in the cloud assembly; findings are
 * acknowledged on the construct with `Validations.of(construct).acknowledge`, which is
 * aws-cdk-lib's own API: this file loads no cdk-nag (the rule pack is registered by the
 * stack app, lib/nag-checks.ts). The TokenBroker acknowledges its own findings, so every
 * user of the construct who runs cdk-nag gets them.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag rule on `construct` and everything below it.
 * @param rule the rule id, e.g. `AwsSolutions-SMG4`, or a finding id such as
 *   `AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`.
 * @param reason why the finding does not apply; it ends up in the validation report.
 */
export function acknowledgeNag(construct: IConstruct, rule: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: rule, reason });
}
