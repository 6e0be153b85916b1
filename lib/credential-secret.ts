/**
 * The client credentials secret of one credential set: the one given, one imported by
 * name, or a new secret holding a placeholder for operators to replace; and what a grant to
 * read its value names (its ARN, and its customer-managed key through Secrets Manager).
 */
import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
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
 * The ARN a GetSecretValue grant on `secret` names: its full ARN, or for a secret known by
 * name or partial ARN, that ARN and `-??????` (Secrets Manager appends `-` and six characters).
 */
export function secretValueArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** `kms:Decrypt` on `keys`, only when Secrets Manager of `region` asks (kms:ViaService). */
export function decryptThroughSecretsManager(region: string, keys: readonly kms.IKey[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: keys.map((key) => key.keyArn),
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
  });
}
