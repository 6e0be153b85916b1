/**
 * The cdk-nag AWS Solutions rule pack, registered by this repository's own stack app
 * (lib/broker-app.ts). Kept apart from lib/nag.ts so that the construct library never
 * loads cdk-nag: an app using the construct needs only aws-cdk-lib and constructs, and
 * runs cdk-nag itself if it wants to (the construct's acknowledgements apply then too).
 */
import { type App, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Registers the AWS Solutions rule pack on `app` (call once per app or stage). The
 * acknowledgements are also written into the template (`Metadata.cdk_nag`), so a
 * reviewer of the template sees each acknowledged rule and its reason next to the resource.
 */
export function registerNag(app: App | Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
}
