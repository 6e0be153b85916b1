/**
 * Reads client credentials from AWS Secrets Manager, on every refresh, so that a value
 * an operator saves in the console is used by the very next refresh.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CredentialConfig } from '../core/credential-config.js';
import { SecretInvalid, SecretUnavailable } from '../core/errors.js';
import type { ClientCredentials, CredentialSource } from '../core/ports.js';
import { parseClientCredentials } from './client-credentials-secret.js';

/** SDK error names after which the same read may well succeed. */
const TRANSIENT = new Set(['ThrottlingException', 'InternalServiceError', 'TooManyRequestsException']);

/** A {@link CredentialSource} backed by Secrets Manager (`GetSecretValue` on `secretId`). */
export class SecretsManagerCredentialSource implements CredentialSource {
  readonly #client: SecretsManagerClient;

  constructor(options: { readonly client: SecretsManagerClient }) {
    this.#client = options.client;
  }

  /** @inheritdoc */
  async getCredentials(config: CredentialConfig): Promise<ClientCredentials> {
    let secretString: string | undefined;
    try {
      const output = await this.#client.send(new GetSecretValueCommand({ SecretId: config.secretId }));
      secretString = output.SecretString;
    } catch (error) {
      throw translate(config, error);
    }
    if (secretString === undefined) {
      throw new SecretInvalid(
        config.name,
        config.secretId,
        'holds a binary value; store {"client_id": "...", "client_secret": "..."} as a plaintext JSON string',
      );
    }
    return parseClientCredentials(config, secretString);
  }
}

/** Turns an SDK failure into an error that says what to do. The SDK error carries no secret value. */
function translate(config: CredentialConfig, error: unknown): SecretUnavailable {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const unavailable = (problem: string, retryable = false) =>
    new SecretUnavailable(config.name, config.secretId, problem, { cause: error, retryable });
  switch (name) {
    case 'ResourceNotFoundException':
      return unavailable(
        'does not exist (ResourceNotFoundException); create it or fix secretName in the configuration',
      );
    case 'AccessDeniedException':
      return unavailable(
        'cannot be read (AccessDeniedException); the refresher role needs secretsmanager:GetSecretValue on it, and kms:Decrypt on its key when it uses a customer-managed key',
      );
    case 'DecryptionFailure':
      return unavailable(
        "cannot be decrypted (DecryptionFailure); check the secret's KMS key exists, is enabled and allows the refresher role",
      );
    case 'InvalidRequestException':
      return unavailable(
        'cannot be read now (InvalidRequestException); it may be scheduled for deletion: restore it',
      );
    default:
      return unavailable(
        `cannot be read (${name}); try again, and check the Secrets Manager service health`,
        TRANSIENT.has(name),
      );
  }
}
