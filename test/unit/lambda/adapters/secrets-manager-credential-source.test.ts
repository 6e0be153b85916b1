import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerCredentialSource } from '../../../../lambda/adapters/secrets-manager-credential-source.js';
import { SecretInvalid, SecretNotSet, SecretUnavailable } from '../../../../lambda/core/errors.js';
import { testCredential } from '../../../fakes/in-memory.js';

const CANARY = 'canary-client-secret-7f3a';
const config = testCredential({
  name: 'production',
  secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:a55-prod',
});

function awsError(name: string): Error {
  const error = new Error(`${name}: simulated`);
  error.name = name;
  return error;
}

describe('Class: SecretsManagerCredentialSource', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const source = new SecretsManagerCredentialSource({ client: new SecretsManagerClient({}) });

  beforeEach(() => {
    secretsManager.reset();
  });

  describe('Method: getCredentials', () => {
    it('reads the secret by its id and returns the trimmed pair', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ client_id: ' id-1 ', client_secret: `${CANARY}\n` }) });

      // Act
      const credentials = await source.getCredentials(config);

      // Assess
      expect(credentials).toEqual({ clientId: 'id-1', clientSecret: CANARY });
      expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: config.secretId });
    });

    it('does not cache: every call reads the secret again', async () => {
      secretsManager
        .on(GetSecretValueCommand)
        .resolves({ SecretString: '{"client_id":"a","client_secret":"b"}' });
      await source.getCredentials(config);
      await source.getCredentials(config);
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    });

    it.each([
      ['not JSON', `client_id=a&client_secret=${CANARY}`, 'is not valid JSON'],
      ['a JSON array', `["a","${CANARY}"]`, 'is an array, not a JSON object'],
      ['a JSON string', `"${CANARY}"`, 'is a string, not a JSON object'],
      ['missing client_id', `{"client_secret":"${CANARY}"}`, 'field client_id is missing'],
      ['missing client_secret', '{"client_id":"a"}', 'field client_secret is missing'],
      ['an empty client_id', `{"client_id":"  ","client_secret":"${CANARY}"}`, 'field client_id is empty'],
      ['an empty client_secret', '{"client_id":"a","client_secret":""}', 'field client_secret is empty'],
      ['a numeric client_id', `{"client_id":7,"client_secret":"${CANARY}"}`, 'field client_id is a number'],
      [
        'an object client_secret',
        '{"client_id":"a","client_secret":{"v":1}}',
        'field client_secret is an object',
      ],
    ])(
      'rejects a secret that is %s, naming the secret and never the value',
      async (_case, value, problem) => {
        // Prepare
        secretsManager.on(GetSecretValueCommand).resolves({ SecretString: value });

        // Act
        const error = await source.getCredentials(config).catch((caught: unknown) => caught);

        // Assess
        expect(error).toBeInstanceOf(SecretInvalid);
        const { message } = error as Error;
        expect(message).toContain(problem);
        expect(message).toContain("credential 'production'");
        expect(message).toContain(config.secretId);
        expect(JSON.stringify({ message, stack: (error as Error).stack })).not.toContain(CANARY);
      },
    );

    it('recognises the placeholder the stack created as SecretNotSet', async () => {
      secretsManager
        .on(GetSecretValueCommand)
        .resolves({ SecretString: '{"client_id":"REPLACE_ME","client_secret":"REPLACE_ME"}' });
      const error = await source.getCredentials(config).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SecretNotSet);
      expect((error as Error).message).toContain(`secret ${config.secretId} still holds the placeholder`);
    });

    it('rejects a binary secret', async () => {
      secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
      await expect(source.getCredentials(config)).rejects.toThrow('holds a binary value');
    });

    it.each([
      ['ResourceNotFoundException', 'does not exist', false],
      ['AccessDeniedException', 'secretsmanager:GetSecretValue', false],
      ['DecryptionFailure', 'cannot be decrypted', false],
      ['InvalidRequestException', 'scheduled for deletion', false],
      ['ThrottlingException', 'cannot be read (ThrottlingException)', true],
      ['InternalServiceError', 'cannot be read (InternalServiceError)', true],
    ])('translates %s into SecretUnavailable (retryable: %s)', async (name, advice, retryable) => {
      // Prepare
      secretsManager.on(GetSecretValueCommand).rejects(awsError(name));

      // Act
      const error = await source.getCredentials(config).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(SecretUnavailable);
      expect((error as SecretUnavailable).message).toContain(advice);
      expect((error as SecretUnavailable).message).toContain(config.secretId);
      expect((error as SecretUnavailable).retryable).toBe(retryable);
    });
  });
});
