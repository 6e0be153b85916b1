/**
 * cdk-nag 3 wiring. cdk-nag 3 is a CDK validation plugin: it runs after synthesis and
 * writes its findings to `validation-report.json` in the cloud assembly; findings are
 * acknowledged on the construct with `Validations.of(construct).acknowledge`. The
 * TokenBroker acknowledges its own findings, so every user of the construct gets them.
 */
import { type App, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Registers the AWS Solutions rule pack on `app` (call once per app or stage). The
 * acknowledgements are also written into the template (`Metadata.cdk_nag`), so a
 * reviewer of the template sees each acknowledged rule and its reason next to the resource.
 */
export function registerNag(app: App | Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
}

/**
 * Acknowledges one cdk-nag rule on `construct` and everything below it.
 * @param rule the rule id, e.g. `AwsSolutions-SMG4`, or a finding id such as
 *   `AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`.
 * @param reason why the finding does not apply; it ends up in the validation report.
 */
export function acknowledgeNag(construct: IConstruct, rule: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: rule, reason });
}
