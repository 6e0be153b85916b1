import { describe, expect, it } from 'vitest';
import {
  FixedCredentialSource,
  fixedValueProblem,
} from '../../../../lambda/adapters/fixed-credential-source.js';
import { SecretUnavailable } from '../../../../lambda/core/errors.js';
import { testCredential } from '../../../fakes/in-memory.js';

describe('Class: FixedCredentialSource', () => {
  it('returns the trimmed credentials of the named set', async () => {
    const source = new FixedCredentialSource(
      new Map([['default', { clientId: ' client-1\n', clientSecret: 'secret-1\n' }]]),
    );
    await expect(source.getCredentials(testCredential())).resolves.toEqual({
      clientId: 'client-1',
      clientSecret: 'secret-1',
    });
  });

  it('fails with SecretUnavailable for a set it was not given', async () => {
    const source = new FixedCredentialSource(new Map());
    await expect(source.getCredentials(testCredential({ name: 'sandbox' }))).rejects.toBeInstanceOf(
      SecretUnavailable,
    );
  });

  it('refuses an empty or placeholder value without quoting it', () => {
    expect(
      () => new FixedCredentialSource(new Map([['a', { clientId: 'id-canary', clientSecret: '  ' }]])),
    ).toThrow("credential 'a': clientSecret is empty");
    expect(
      () =>
        new FixedCredentialSource(
          new Map([['a', { clientId: 'REPLACE_ME', clientSecret: 'secret-canary' }]]),
        ),
    ).toThrow(/clientId still holds the placeholder/);
  });
});

describe('Function: fixedValueProblem', () => {
  it.each([
    ['ok', undefined],
    [' \n', 'is empty'],
    [42, 'is a number, expected a string'],
    [undefined, 'is missing, expected a string'],
    [' REPLACE_ME\n', 'still holds the placeholder; put the real value in'],
  ])('%o -> %s', (value, problem) => {
    expect(fixedValueProblem(value)).toBe(problem);
  });
});
