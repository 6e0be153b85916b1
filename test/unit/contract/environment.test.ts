import { describe, expect, it } from 'vitest';
import { parseReaderEnvironment, parseRefresherEnvironment } from '../../../contract/environment.js';

const credential = {
  name: 'sandbox',
  tokenUrl: 'https://auth.example.test/oauth2/token',
  clientAuth: 'client_secret_post',
  secretId: 'arn:secret',
};

describe('Function: parseRefresherEnvironment', () => {
  it('reads the table and the credential sets', () => {
    const env = { TABLE_NAME: 't', CREDENTIALS: JSON.stringify([{ ...credential, scope: 'a b' }]) };
    expect(parseRefresherEnvironment(env)).toEqual({
      tableName: 't',
      credentials: [{ ...credential, scope: 'a b' }],
    });
  });

  it('reads the refresh interval when the construct sets it (the refresher checks tokens outlive it)', () => {
    const env = {
      TABLE_NAME: 't',
      CREDENTIALS: JSON.stringify([credential]),
      REFRESH_INTERVAL_SECONDS: '3000',
    };
    expect(parseRefresherEnvironment(env)).toMatchObject({ refreshIntervalSeconds: 3000 });
    expect(parseRefresherEnvironment({ ...env, REFRESH_INTERVAL_SECONDS: '' })).not.toHaveProperty(
      'refreshIntervalSeconds',
    );
  });

  it.each([['0'], ['59'], ['fifty'], ['3000.5'], ['86401']])(
    'refuses a refresh interval of %j seconds, naming the variable',
    (value) => {
      const env = {
        TABLE_NAME: 't',
        CREDENTIALS: JSON.stringify([credential]),
        REFRESH_INTERVAL_SECONDS: value,
      };
      expect(() => parseRefresherEnvironment(env)).toThrow('REFRESH_INTERVAL_SECONDS');
    },
  );

  it.each([
    [{ CREDENTIALS: JSON.stringify([credential]) }, 'TABLE_NAME is not set'],
    [
      { TABLE_NAME: 't' },
      'neither refresher-config.json beside its code nor environment variable CREDENTIALS',
    ],
    [{ TABLE_NAME: 't', CREDENTIALS: '{' }, 'CREDENTIALS is not JSON'],
    [{ TABLE_NAME: 't', CREDENTIALS: '[]' }, 'non-empty JSON array'],
    [{ TABLE_NAME: 't', CREDENTIALS: JSON.stringify([{ ...credential, name: 'A' }]) }, 'CREDENTIALS[0].name'],
    [
      { TABLE_NAME: 't', CREDENTIALS: JSON.stringify([{ ...credential, tokenUrl: 'http://evil.test/' }]) },
      "CREDENTIALS[0].tokenUrl: 'http://evil.test/' must use https",
    ],
    [{ TABLE_NAME: 't', CREDENTIALS: JSON.stringify([{ ...credential, clientAuth: 'jwt' }]) }, 'clientAuth'],
    [
      { TABLE_NAME: 't', CREDENTIALS: JSON.stringify([{ ...credential, secretId: '' }]) },
      'secretId is missing',
    ],
  ])('fails the cold start with a message naming the variable (%#)', (env, message) => {
    expect(() => parseRefresherEnvironment(env)).toThrow(message);
  });
});

describe('Function: parseReaderEnvironment', () => {
  it('reads names in order and the cache time', () => {
    expect(
      parseReaderEnvironment({
        TABLE_NAME: 't',
        CREDENTIAL_NAMES: 'sandbox, production',
        READ_CACHE_SECONDS: '5',
      }),
    ).toEqual({ tableName: 't', credentialNames: ['sandbox', 'production'], cacheSeconds: 5 });
  });

  it('defaults the cache time to 30 s', () => {
    expect(parseReaderEnvironment({ TABLE_NAME: 't', CREDENTIAL_NAMES: 'a' }).cacheSeconds).toBe(30);
  });

  it.each([
    [{ TABLE_NAME: 't', CREDENTIAL_NAMES: 'a,B' }, "invalid name 'B'"],
    [{ TABLE_NAME: 't', CREDENTIAL_NAMES: 'a', READ_CACHE_SECONDS: '999' }, "READ_CACHE_SECONDS is '999'"],
    [{ CREDENTIAL_NAMES: 'a' }, 'TABLE_NAME is not set'],
  ])('rejects a bad environment (%#)', (env, message) => {
    expect(() => parseReaderEnvironment(env)).toThrow(message);
  });
});
