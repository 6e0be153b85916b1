/**
 * The client credentials secret of one credential set: the one given, one imported by
 * name, or a new secret holding a placeholder for operators to replace; and the refresher's
 * grant to read it (its value, and its customer-managed key when it has one).
 */
import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CLIENT_CREDENTIALS_FIELDS, SECRET_PLACEHOLDER } from '../contract/index.js';
import { acknowledgeNag } from './nag.js';
import type { ResolvedCredential } from './token-broker-props.js';

/**
 * Returns `credential.secret`, imports `credential.secretName`, or creates `Secret` in
 * `scope` (the credential set). A created secret is retained: it holds operators' data.
 */
export function credentialSecret(scope: Construct, credential: ResolvedCredential): secretsmanager.ISecret {
  const id = 'Secret';
  if (credential.secret) return credential.secret;
  if (credential.secretName) return secretsmanager.Secret.fromSecretNameV2(scope, id, credential.secretName);
  const placeholder = SecretValue.unsafePlainText(SECRET_PLACEHOLDER);
  const secret = new secretsmanager.Secret(scope, id, {
    description:
      `A55 token broker client credentials of credential set '${credential.name}'. Replace the placeholder ` +
      'with {"client_id": "...", "client_secret": "..."} (console: Retrieve secret value > Edit).',
    // A placeholder, not a secret: it is meant to be visible in the template.
    secretObjectValue: {
      [CLIENT_CREDENTIALS_FIELDS.clientId]: placeholder,
      [CLIENT_CREDENTIALS_FIELDS.clientSecret]: placeholder,
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

/**
 * Lets `grantee` read the value of `secret`: `secretsmanager:GetSecretValue`, the one call
 * the refresher makes (not DescribeSecret, which `ISecret.grantRead` adds), and
 * `kms:Decrypt` on the secret's customer-managed key, if any, through Secrets Manager only.
 *
 * @param key the key of a secret imported by name (the secret object cannot carry one);
 *   otherwise the secret's own `encryptionKey` is used.
 */
export function grantSecretValue(
  grantee: iam.IGrantable,
  secret: secretsmanager.ISecret,
  key: kms.IKey | undefined = secret.encryptionKey,
): void {
  // A secret known by name or partial ARN: Secrets Manager appends `-` and six characters.
  const secretArn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
  );
  if (key === undefined) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` },
      },
    }),
  );
}
