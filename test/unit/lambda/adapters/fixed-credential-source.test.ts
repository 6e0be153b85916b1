import { describe, expect, it } from 'vitest';
import {
  clientCredentialProblem,
  StaticCredentialSource,
} from '../../../lambda/adapters/static-credential-source.js';
import { SecretUnavailable } from '../../../lambda/core/errors.js';
import { testCredential } from '../../fakes/in-memory.js';

describe('Class: StaticCredentialSource', () => {
  it('returns the trimmed credentials of the named set', async () => {
    const source = new StaticCredentialSource(
      new Map([['default', { clientId: ' client-1\n', clientSecret: 'secret-1\n' }]]),
    );
    await expect(source.getCredentials(testCredential())).resolves.toEqual({
      clientId: 'client-1',
      clientSecret: 'secret-1',
    });
  });

  it('fails with SecretUnavailable for a set it was not given', async () => {
    const source = new StaticCredentialSource(new Map());
    await expect(source.getCredentials(testCredential({ name: 'sandbox' }))).rejects.toBeInstanceOf(
      SecretUnavailable,
    );
  });

  it('refuses an empty or placeholder value without quoting it', () => {
    expect(
      () => new StaticCredentialSource(new Map([['a', { clientId: 'id-canary', clientSecret: '  ' }]])),
    ).toThrow("credential 'a': clientSecret is empty");
    expect(
      () =>
        new StaticCredentialSource(
          new Map([['a', { clientId: 'REPLACE_ME', clientSecret: 'secret-canary' }]]),
        ),
    ).toThrow(/clientId still holds the placeholder/);
  });
});

describe('Function: clientCredentialProblem', () => {
  it.each([
    ['ok', undefined],
    [' \n', 'is empty'],
    [42, 'is a number, expected a string'],
    [undefined, 'is missing, expected a string'],
  ])('%o -> %s', (value, problem) => {
    expect(clientCredentialProblem(value)).toBe(problem);
  });
});
