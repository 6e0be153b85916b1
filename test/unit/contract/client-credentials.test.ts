import { describe, expect, it } from 'vitest';
import {
  CLIENT_CREDENTIALS_FIELDS,
  checkClientCredentialValue,
  describeJsonType,
  SECRET_PLACEHOLDER,
} from '../../../contract/client-credentials.js';

const CANARY = 'sEcReT-cAnArY-4711';

describe('Function: checkClientCredentialValue', () => {
  it.each([
    ['a55-client', 'a55-client'],
    [` ${CANARY}\n`, CANARY],
    ['\tid with inner space ', 'id with inner space'],
  ])('trims %j to its value', (value, expected) => {
    expect(checkClientCredentialValue(value)).toStrictEqual({ kind: 'ok', value: expected });
  });

  it.each(['', '   ', '\n'])('calls %j empty', (value) => {
    expect(checkClientCredentialValue(value)).toStrictEqual({ kind: 'invalid', problem: 'is empty' });
  });

  it.each([SECRET_PLACEHOLDER, ` ${SECRET_PLACEHOLDER}\n`])('recognises the placeholder in %j', (value) => {
    expect(SECRET_PLACEHOLDER).toBe('REPLACE_ME');
    expect(checkClientCredentialValue(value)).toStrictEqual({ kind: 'placeholder' });
  });

  it('takes a placeholder in another case for a real value', () => {
    expect(checkClientCredentialValue('replace_me')).toStrictEqual({ kind: 'ok', value: 'replace_me' });
  });

  it.each([
    [undefined, 'is missing, expected a string'],
    [null, 'is null, expected a string'],
    [42, 'is a number, expected a string'],
    [true, 'is a boolean, expected a string'],
    [[CANARY], 'is an array, expected a string'],
    [{ value: CANARY }, 'is an object, expected a string'],
  ])('refuses %j by its type, without quoting it', (value, problem) => {
    // Act
    const result = checkClientCredentialValue(value);

    // Assess
    expect(result).toStrictEqual({ kind: 'invalid', problem });
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });

  it('names the two fields of the secret as A55 spells them', () => {
    expect(CLIENT_CREDENTIALS_FIELDS).toStrictEqual({ clientId: 'client_id', clientSecret: 'client_secret' });
  });
});

describe('Function: describeJsonType', () => {
  it.each([
    [undefined, 'missing'],
    [null, 'null'],
    [[], 'an array'],
    ['', 'an empty string'],
    [CANARY, 'a string'],
    [{}, 'an object'],
    [1.5, 'a number'],
    [false, 'a boolean'],
  ])('describes %j as %j', (value, expected) => {
    expect(describeJsonType(value)).toBe(expected);
  });
});
