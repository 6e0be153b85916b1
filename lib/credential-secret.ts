/**
 * The client credentials secret of one credential set: the one given, one imported by
 * name, or a new secret holding a placeholder for operators to replace.
 */
import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { SECRET_PLACEHOLDER } from '../lambda/core/credential-config.js';
import { acknowledgeNag } from './nag.js';
import type { TokenBrokerCredential } from './token-broker-props.js';

/**
 * Returns `credential.secret`, imports `credential.secretName`, or creates
 * `Secret-<name>` in `scope` (ids unchanged since the first release: renaming one would
 * replace a retained secret).
 */
export function credentialSecret(
  scope: Construct,
  credential: TokenBrokerCredential,
): secretsmanager.ISecret {
  const id = `Secret-${credential.name}`;
  if (credential.secret) return credential.secret;
  if (credential.secretName) return secretsmanager.Secret.fromSecretNameV2(scope, id, credential.secretName);
  const secret = new secretsmanager.Secret(scope, id, {
    description:
      `A55 token broker client credentials of credential set '${credential.name}'. Replace the placeholder ` +
      'with {"client_id": "...", "client_secret": "..."} (console: Retrieve secret value > Edit).',
    secretObjectValue: {
      // A placeholder, not a secret: it is meant to be visible in the template.
      client_id: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
      client_secret: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
    },
    // Operators' data: the real client secret must survive a stack deletion or replacement.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeNag(
    secret,
    'AwsSolutions-SMG4',
    'A55 issues and rotates client credentials by e-mail; there is no API a rotation Lambda could call. ' +
      'Operators paste the new value, and the refresher reads the secret on every run.',
  );
  return secret;
}
