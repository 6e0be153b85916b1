import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { A55_TOKEN_URL } from '../../../contract/index.js';
import {
  credentialsFromEnvironment,
  isReadableByOthers,
  loadCredentialsFile,
  parseCredentialsFile,
} from '../../../local/credentials-file.js';
import { LocalBrokerError } from '../../../local/errors.js';

const SECRET = 'canary-secret-c0ffee';

describe('Function: parseCredentialsFile', () => {
  it('reads several sets with their defaults', () => {
    const sets = parseCredentialsFile(
      JSON.stringify({
        credentials: [
          { name: 'sandbox', clientId: 'id-1', clientSecret: `${SECRET}\n` },
          {
            name: 'production',
            tokenUrl: 'https://auth.example.com/oauth2/token',
            clientId: 'id-2',
            clientSecret: 's2',
            scope: 'a b',
            clientAuth: 'client_secret_basic',
          },
        ],
      }),
      'creds.json',
    );
    expect(sets.origin).toBe('file creds.json');
    expect(sets.sets).toEqual([
      {
        name: 'sandbox',
        tokenUrl: A55_TOKEN_URL,
        clientAuth: 'client_secret_post',
        secretId: '(file creds.json)',
      },
      {
        name: 'production',
        tokenUrl: 'https://auth.example.com/oauth2/token',
        clientAuth: 'client_secret_basic',
        scope: 'a b',
        secretId: '(file creds.json)',
      },
    ]);
    expect(sets.secrets.get('sandbox')).toEqual({ clientId: 'id-1', clientSecret: SECRET });
  });

  it.each([
    ['{"credentials": [', 'is not valid JSON'],
    ['[]', 'must be a JSON object {"credentials": ['],
    ['{"credentials": []}', 'must be a JSON object'],
    ['{"credentials": [1]}', 'credentials[0]: 1 must be an object'],
    [
      `{"credentials": [{"name": "a", "clientId": "i", "client_secret": "${SECRET}"}]}`,
      "credentials[0]: unknown key 'client_secret' (allowed: name, tokenUrl, scope, clientAuth, clientId, clientSecret)",
    ],
    [
      `{"credentials": [{"name": "Prod", "clientId": "i", "clientSecret": "${SECRET}"}]}`,
      "credentials[0].name: 'Prod' must match [a-z0-9-]{1,64}",
    ],
    [
      `{"credentials": [{"name": "a", "tokenUrl": "http://example.com", "clientId": "i", "clientSecret": "${SECRET}"}]}`,
      "credentials[0].tokenUrl: 'http://example.com' must use https",
    ],
    [
      `{"credentials": [{"name": "a", "clientAuth": "basic", "clientId": "i", "clientSecret": "${SECRET}"}]}`,
      "credentials[0].clientAuth: 'basic' must be one of client_secret_post, client_secret_basic",
    ],
    [
      `{"credentials": [{"name": "a", "scope": " ", "clientId": "i", "clientSecret": "${SECRET}"}]}`,
      'credentials[0].scope',
    ],
    [
      `{"credentials": [{"name": "a", "scope": "a  \\"b", "clientId": "i", "clientSecret": "${SECRET}"}]}`,
      "credentials[0].scope: 'a  \"b' must be space-separated scope tokens",
    ],
    [`{"credentials": [{"name": "a", "clientId": "i"}]}`, 'credentials[0].clientSecret is missing'],
    [
      `{"credentials": [{"name": "a", "clientId": "", "clientSecret": "${SECRET}"}]}`,
      'credentials[0].clientId is empty',
    ],
    [
      `{"credentials": [{"name": "a", "clientId": "i", "clientSecret": "${SECRET}"}, {"name": "a", "clientId": "i", "clientSecret": "s"}]}`,
      "credentials[1].name: 'a' duplicates credentials[0].name",
    ],
  ])('refuses %s naming the problem, never the secret', (text, message) => {
    const act = () => parseCredentialsFile(text, 'creds.json');
    expect(act).toThrow(LocalBrokerError);
    expect(act).toThrow(`credentials file creds.json: ${message}`);
    try {
      act();
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('gives the line and column of a JSON error, not the text around it', () => {
    const act = () =>
      parseCredentialsFile(`{"credentials": [\n  {"clientSecret": "${SECRET}" x}]}`, 'c.json');
    expect(act).toThrow(/is not valid JSON \(line 2, column \d+\)$/);
  });
});

describe('Function: credentialsFromEnvironment', () => {
  it('is undefined without TOKEN_URL, CLIENT_ID and CLIENT_SECRET (the embedded server is used)', () => {
    expect(credentialsFromEnvironment({ SCOPE: 'x', CREDENTIAL_NAME: 'sandbox' })).toBeUndefined();
  });

  it('reads one set, with A55 as the default endpoint', () => {
    const sets = credentialsFromEnvironment({ CLIENT_ID: 'id', CLIENT_SECRET: SECRET, SCOPE: ' a ' });
    expect(sets?.sets).toEqual([
      {
        name: 'default',
        tokenUrl: A55_TOKEN_URL,
        clientAuth: 'client_secret_post',
        scope: 'a',
        secretId: '(environment)',
      },
    ]);
    expect(sets?.secrets.get('default')).toEqual({ clientId: 'id', clientSecret: SECRET });
    expect(sets?.origin).toBe('the environment');
  });

  it.each([
    [{ TOKEN_URL: 'https://x.example/token' }, 'CLIENT_ID and CLIENT_SECRET not set'],
    [{ CLIENT_ID: 'id' }, 'CLIENT_SECRET not set'],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: SECRET, TOKEN_URL: 'ftp://x' }, "TOKEN_URL: 'ftp://x' must use https"],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: SECRET, CREDENTIAL_NAME: 'A' }, "CREDENTIAL_NAME: 'A' must match"],
    [{ CLIENT_ID: 'id', CLIENT_SECRET: SECRET, CLIENT_AUTH: 'x' }, "CLIENT_AUTH: 'x' must be one of"],
    [{ CLIENT_ID: 'REPLACE_ME', CLIENT_SECRET: SECRET }, 'CLIENT_ID still holds the placeholder'],
  ])('refuses %j', (env, message) => {
    const act = () => credentialsFromEnvironment(env);
    expect(act).toThrow(LocalBrokerError);
    expect(act).toThrow(message);
  });
});

describe('Function: loadCredentialsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says when the file cannot be read', async () => {
    await expect(loadCredentialsFile(join(dir, 'missing.json'))).rejects.toThrow(
      /credentials file .*missing\.json cannot be read \(ENOENT\)/,
    );
  });

  it('tells a private file from one others can read', async () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{}', { mode: 0o600 });
    expect(await isReadableByOthers(file)).toBe(false);
    const shared = join(dir, 'shared.json');
    writeFileSync(shared, '{}', { mode: 0o644 });
    expect(await isReadableByOthers(shared)).toBe(process.platform !== 'win32');
  });
});
