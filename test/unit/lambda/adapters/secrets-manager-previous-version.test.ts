import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerCredentialSource } from '../../../../lambda/adapters/secrets-manager-credential-source.js';
import { SecretUnavailable } from '../../../../lambda/core/errors.js';
import { testCredential } from '../../../fakes/in-memory.js';

const set = testCredential({ secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:a55-sandbox' });
const pair = (secret: string) => JSON.stringify({ client_id: 'id-1', client_secret: secret });

function awsError(name: string): Error {
  const error = new Error(`${name}: simulated`);
  error.name = name;
  return error;
}

describe('Class: SecretsManagerCredentialSource (versions)', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const source = new SecretsManagerCredentialSource({ client: new SecretsManagerClient({}) });

  beforeEach(() => {
    // Prepare: AWSCURRENT and AWSPREVIOUS with their version ids
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: set.secretId })
      .resolves({ SecretString: pair('current-secret'), VersionId: 'version-new' });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: set.secretId, VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: pair('previous-secret'), VersionId: 'version-old' });
  });

  describe('Method: getCredentials', () => {
    it('reads AWSCURRENT (no stage asked) and says which version it read', async () => {
      // Act
      const current = await source.getCredentials(set);

      // Assess
      expect(current).toEqual({ clientId: 'id-1', clientSecret: 'current-secret', versionId: 'version-new' });
      const input = secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input;
      expect(input).toEqual({ SecretId: set.secretId });
    });
  });

  describe('Method: getPreviousCredentials', () => {
    it('reads the AWSPREVIOUS stage and says which version it read', async () => {
      // Act
      const previous = await source.getPreviousCredentials(set);

      // Assess
      expect(previous).toEqual({
        clientId: 'id-1',
        clientSecret: 'previous-secret',
        versionId: 'version-old',
      });
      expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
        SecretId: set.secretId,
        VersionStage: 'AWSPREVIOUS',
      });
    });

    it('answers undefined when the secret has no AWSPREVIOUS version', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand, { SecretId: set.secretId, VersionStage: 'AWSPREVIOUS' })
        .rejects(awsError('ResourceNotFoundException'));

      // Act / Assess
      await expect(source.getPreviousCredentials(set)).resolves.toBeUndefined();
    });

    it('translates any other failure as for the current version', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand, { SecretId: set.secretId, VersionStage: 'AWSPREVIOUS' })
        .rejects(awsError('AccessDeniedException'));

      // Act
      const error = await source.getPreviousCredentials(set).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(SecretUnavailable);
      expect((error as Error).message).toContain('secretsmanager:GetSecretValue');
    });
  });
});
