/**
 * Reads client credentials from AWS Secrets Manager, on every refresh, so that a value
 * an operator saves in the console is used by the very next refresh.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RefresherCredentialSet } from '../../contract/index.js';
import { SecretInvalid, SecretUnavailable } from '../core/errors.js';
import type { ClientCredentials, CredentialSource } from '../core/ports.js';
import { parseClientCredentials } from './client-credentials-secret.js';
import { classifySdkError } from './sdk-errors.js';

/** A {@link CredentialSource} backed by Secrets Manager (`GetSecretValue` on `secretId`). */
export class SecretsManagerCredentialSource implements CredentialSource {
  readonly #client: SecretsManagerClient;

  constructor(options: { readonly client: SecretsManagerClient }) {
    this.#client = options.client;
  }

  /** @inheritdoc */
  async getCredentials(set: RefresherCredentialSet): Promise<ClientCredentials> {
    return this.#read(set, undefined);
  }

  /**
   * The `AWSPREVIOUS` version, asked for by stage; undefined when the secret has none
   * (ResourceNotFoundException for the stage of a secret that exists). Other failures are
   * translated as for the current version.
   */
  async getPreviousCredentials(set: RefresherCredentialSet): Promise<ClientCredentials | undefined> {
    try {
      return await this.#read(set, 'AWSPREVIOUS');
    } catch (error) {
      if (error instanceof SecretUnavailable && classifySdkError(error.cause).kind === 'not-found') {
        return undefined;
      }
      throw error;
    }
  }

  async #read(set: RefresherCredentialSet, stage: 'AWSPREVIOUS' | undefined): Promise<ClientCredentials> {
    let secretString: string | undefined;
    let versionId: string | undefined;
    try {
      const output = await this.#client.send(
        new GetSecretValueCommand({
          SecretId: set.secretId,
          ...(stage === undefined ? {} : { VersionStage: stage }),
        }),
      );
      secretString = output.SecretString;
      versionId = output.VersionId;
    } catch (error) {
      throw translate(set, error);
    }
    if (secretString === undefined) {
      throw new SecretInvalid(
        set.name,
        set.secretId,
        'holds a binary value; store {"client_id": "...", "client_secret": "..."} as a plaintext JSON string',
      );
    }
    const pair = parseClientCredentials(set, secretString);
    return versionId ? { ...pair, versionId } : pair;
  }
}

/** Turns an SDK failure into an error that says what to do. The SDK error carries no secret value. */
function translate(set: RefresherCredentialSet, error: unknown): SecretUnavailable {
  const { name, kind, retryable } = classifySdkError(error);
  const unavailable = (problem: string) =>
    new SecretUnavailable(set.name, set.secretId, problem, { cause: error, retryable });
  if (kind === 'not-found') {
    return unavailable(
      'does not exist (ResourceNotFoundException); create it or fix secretName in the configuration',
    );
  }
  if (kind === 'access-denied') {
    return unavailable(
      'cannot be read (AccessDeniedException); the refresher role needs secretsmanager:GetSecretValue on it, and kms:Decrypt on its key when it uses a customer-managed key',
    );
  }
  if (name === 'DecryptionFailure') {
    return unavailable(
      "cannot be decrypted (DecryptionFailure); check the secret's KMS key exists, is enabled and allows the refresher role",
    );
  }
  if (name === 'InvalidRequestException') {
    return unavailable(
      'cannot be read now (InvalidRequestException); it may be scheduled for deletion: restore it',
    );
  }
  return unavailable(`cannot be read (${name}); try again, and check the Secrets Manager service health`);
}
