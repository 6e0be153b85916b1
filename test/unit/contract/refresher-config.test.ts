import { describe, expect, it } from 'vitest';
import { TokenBrokerConfigError } from '../../../contract/credential-set.js';
import { parseRefresherEnvironment } from '../../../contract/environment.js';
import {
  formatRefresherConfig,
  parseRefresherConfig,
  REFRESHER_CONFIG_FILE,
  type RefresherConfigEntry,
  type RefresherSets,
} from '../../../contract/refresher-config.js';

const TOKEN_URL = 'https://auth.example.test/oauth2/token';
const PATH = '/a55-token-broker/Stack/c8abc';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55-sandbox-AbCdEf';

/** Fifty sets, the second half with a created secret (its ARN in a parameter). */
const fifty: RefresherConfigEntry[] = Array.from({ length: 50 }, (_, index) => ({
  name: `set-${index}`,
  tokenUrl: TOKEN_URL,
  clientAuth: 'client_secret_post',
  ...(index < 25
    ? { secretId: `a55/set-${index}` }
    : { parameter: '0123456789abcdef', parameterFields: ['secretId'] as const }),
}));
const parametersOf = (entries: readonly RefresherConfigEntry[]) =>
  new Map(
    entries
      .filter((entry) => entry.parameter !== undefined)
      .map((entry) => [entry.name, JSON.stringify({ secretId: `${SECRET_ARN}-${entry.name}` })]),
  );

/**
 * The sets, or the first unusable set's problem thrown: what a cold start with that set
 * alone would meet. The cases below check each problem's message through it.
 */
function parseUsable(...args: Parameters<typeof parseRefresherConfig>): RefresherSets {
  const sets = parseRefresherConfig(...args);
  const unusable = sets.find((set) => set.unusable)?.unusable;
  if (unusable) throw unusable;
  return sets;
}

describe('Function: parseRefresherConfig', () => {
  it("marks a set whose parameter is bad or missing unusable, and parses the others; the file's problems still throw", () => {
    // Prepare: three sets with parameters; b's is hand-edited, c's deleted
    const file = formatRefresherConfig(
      ['a', 'b', 'c'].map((name) => ({
        name,
        tokenUrl: TOKEN_URL,
        parameter: 'ffff',
        parameterFields: ['secretId' as const],
      })),
    );
    const parameters = new Map([
      ['a', JSON.stringify({ secretId: SECRET_ARN })],
      ['b', JSON.stringify({ secretId: 'x', tokenUrl: 'https://attacker.example/token' })],
    ]);

    // Act
    const [a, b, c] = parseRefresherConfig(file, parameters, PATH);

    // Assess: b and c carry their problem, a its values; nothing of b's parameter is taken
    expect(a).toEqual({
      name: 'a',
      tokenUrl: TOKEN_URL,
      clientAuth: 'client_secret_post',
      secretId: SECRET_ARN,
    });
    expect(b).toMatchObject({ name: 'b', tokenUrl: TOKEN_URL, secretId: '' });
    expect(b?.unusable).toBeInstanceOf(TokenBrokerConfigError);
    expect(b?.unusable?.message).toBe(
      `credential set 'b': parameter ${PATH}/b holds 'tokenUrl', which ${REFRESHER_CONFIG_FILE} credentials[1] does not leave to it; someone changed the parameter: put back the value the stack deploys (its template has it; cdk deploy alone does not undo a hand edit); the refresher reads it again within 5 minutes`,
    );
    expect(c?.unusable?.message).toBe(
      `credential set 'c': parameter ${PATH}/c, which completes ${REFRESHER_CONFIG_FILE} credentials[2], was not found; redeploy the stack, which writes it`,
    );
    // A set with its secret id in the file keeps it, though its parameter is bad
    const [own] = parseRefresherConfig(
      formatRefresherConfig([
        { name: 'd', secretId: 'a55/d', parameter: 'ffff', parameterFields: ['scope'] },
      ]),
      new Map([['d', '{']]),
      PATH,
    );
    expect(own).toMatchObject({ name: 'd', secretId: 'a55/d', unusable: expect.any(TokenBrokerConfigError) });
    // The file's own problem is the deployment's: it still fails the cold start
    expect(() =>
      parseRefresherConfig(formatRefresherConfig([{ name: 'a', parameter: 'ffff' }]), parameters, PATH),
    ).toThrow('credentials[0] names a parameter but not the fields it supplies');
  });

  it('reads every set of the file it formats, in order, with the secret ids of the parameters', () => {
    // Act
    const sets = parseUsable(formatRefresherConfig(fifty), parametersOf(fifty), PATH);

    // Assess
    expect(sets).toHaveLength(50);
    expect(sets[0]).toEqual({
      name: 'set-0',
      tokenUrl: TOKEN_URL,
      clientAuth: 'client_secret_post',
      secretId: 'a55/set-0',
    });
    expect(sets[49]).toEqual({
      name: 'set-49',
      tokenUrl: TOKEN_URL,
      clientAuth: 'client_secret_post',
      secretId: `${SECRET_ARN}-set-49`,
    });
  });

  it("applies the contract's defaults and rules to fields from the parameter too", () => {
    // Prepare: the token URL is a deploy-time value, in the parameter
    const file = formatRefresherConfig([
      { name: 'a', parameter: 'ffff', parameterFields: ['secretId', 'tokenUrl'] },
    ]);
    const parameter = (fields: object) => new Map([['a', JSON.stringify(fields)]]);

    // Act / Assess
    expect(parseUsable(file, parameter({ secretId: 'x' }))).toEqual([
      expect.objectContaining({ name: 'a', secretId: 'x', clientAuth: 'client_secret_post' }),
    ]);
    expect(() =>
      parseUsable(file, parameter({ secretId: 'x', tokenUrl: 'http://evil.test/' }), PATH),
    ).toThrow(`credential set 'a': parameter ${PATH}/a tokenUrl: 'http://evil.test/' must use https`);
  });

  it.each([
    [{ secretId: '' }, `parameter ${PATH}/a secretId: '' must be a non-empty string`],
    [{ secretId: 7 }, `parameter ${PATH}/a secretId: 7 must be a non-empty string`],
    [{ secretId: 'x', scope: 'a "b"' }, `parameter ${PATH}/a scope: 'a "b"' must be space-separated`],
    [{ secretId: 'x', tokenUrl: 42 }, `parameter ${PATH}/a tokenUrl: 42 must be a non-empty string`],
    [
      { tokenUrl: TOKEN_URL },
      `parameter ${PATH}/a has no secretId, which ${REFRESHER_CONFIG_FILE} credentials[0]`,
    ],
  ])(
    'names the credential set and the parameter for a bad field it holds, never the file (%#)',
    (fields, message) => {
      // Prepare
      const file = formatRefresherConfig([
        { name: 'a', parameter: 'ffff', parameterFields: ['secretId', 'tokenUrl', 'scope'] },
      ]);

      // Act
      const error = (() => {
        try {
          parseUsable(file, new Map([['a', JSON.stringify(fields)]]), PATH);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error('parsed');
      })();

      // Assess: what to do, and no pointer into the file for a value the file does not hold
      expect(error.message).toContain(`credential set 'a': ${message}`);
      expect(error.message).toContain('put back the value the stack deploys');
      expect(error.message).not.toContain('credentials[0].');
    },
  );

  it('says the parameter path is unset when it is not given', () => {
    const file = formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields: ['secretId'] }]);
    expect(() => parseUsable(file, new Map())).toThrow(
      "credential set 'a': parameter (SECRET_ID_PARAMETER_PATH unset)/a, which completes",
    );
  });

  it("never quotes a parameter's token URL user information", () => {
    const file = formatRefresherConfig([
      { name: 'a', parameter: 'ffff', parameterFields: ['secretId', 'tokenUrl'] },
    ]);
    const parameters = new Map([
      ['a', JSON.stringify({ secretId: 'x', tokenUrl: 'http://user:pa55@evil.test/' })],
    ]);
    expect(() => parseUsable(file, parameters, PATH)).toThrow(
      `credential set 'a': parameter ${PATH}/a tokenUrl: 'http://***@evil.test/' must not embed user information`,
    );
    expect(() => parseUsable(file, parameters, PATH)).not.toThrow('pa55');
  });

  it('names the file for a bad field the file holds, though the set has a parameter', () => {
    const file = formatRefresherConfig([
      { name: 'a', clientAuth: 'private_key_jwt', parameter: 'ffff', parameterFields: ['secretId'] },
    ]);
    expect(() => parseUsable(file, new Map([['a', '{"secretId":"x"}']]), PATH)).toThrow(
      `${REFRESHER_CONFIG_FILE} credentials[0].clientAuth: 'private_key_jwt' must be one of`,
    );
  });

  it.each([
    ['{', undefined, 'refresher-config.json is not JSON; redeploy the stack'],
    ['{"credentials": []}', undefined, 'non-empty "credentials" array'],
    [formatRefresherConfig([{ name: 'A', secretId: 's' }]), undefined, 'credentials[0].name'],
    [formatRefresherConfig([{ name: 'a' }]), undefined, 'credentials[0].secretId is missing'],
    [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields: ['secretId'] }]),
      new Map(),
      `credential set 'a': parameter ${PATH}/a, which completes ${REFRESHER_CONFIG_FILE} credentials[0], was not found`,
    ],
    [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields: ['secretId'] }]),
      new Map([['a', 'arn:not-json']]),
      `parameter ${PATH}/a is not JSON`,
    ],
    [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields: ['secretId'] }]),
      new Map([['a', '{"name": "b", "secretId": "x"}']]),
      `parameter ${PATH}/a has an unknown field 'name'`,
    ],
    [formatRefresherConfig([{ name: 'a', secretId: 's', extra: 1 } as never]), undefined, 'extra'],
    ['null', undefined, 'non-empty "credentials" array'],
    [formatRefresherConfig([{ name: 'a', secretId: '' }]), undefined, 'credentials[0].secretId is missing'],
    ...['[]', 'null', '"arn:x"'].map((value): [string, Map<string, string>, string] => [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields: ['secretId'] }]),
      new Map([['a', value]]),
      `credential set 'a': parameter ${PATH}/a must be a JSON object; put back the value`,
    ]),
    ...[[], ['secretId', 'bogus']].map((parameterFields): [string, Map<string, string>, string] => [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff', parameterFields } as never]),
      new Map([['a', '{"secretId": "x"}']]),
      'credentials[0] names a parameter but not the fields it supplies (parameterFields, among secretId, tokenUrl, scope); redeploy',
    ]),
    [
      formatRefresherConfig([{ name: 'a', parameter: 'ffff' }]),
      new Map([['a', '{"secretId": "x"}']]),
      'credentials[0] names a parameter but not the fields it supplies',
    ],
  ])(
    'fails the cold start naming the file, or the set naming its parameter, and says what to do (%#)',
    (text, parameters, message) => {
      expect(() => parseUsable(text, parameters, PATH)).toThrow(message);
    },
  );

  it.each([
    // The token URL is known at synth: whoever can write the parameter must not redirect the secret.
    [{ name: 'a', tokenUrl: TOKEN_URL, parameter: 'ffff', parameterFields: ['secretId'] }, 'tokenUrl'],
    // A field the file holds, even if (wrongly) also listed.
    [
      { name: 'a', tokenUrl: TOKEN_URL, parameter: 'ffff', parameterFields: ['secretId', 'tokenUrl'] },
      'tokenUrl',
    ],
    [{ name: 'a', scope: 'a55/read', parameter: 'ffff', parameterFields: ['secretId'] }, 'scope'],
  ] as const)(
    'refuses a parameter that replaces a field the file does not leave to it (%#)',
    (entry, field) => {
      const parameters = new Map([
        ['a', JSON.stringify({ secretId: SECRET_ARN, [field]: 'https://attacker.example/token' })],
      ]);
      expect(() => parseUsable(formatRefresherConfig([entry]), parameters, PATH)).toThrow(
        `parameter ${PATH}/a holds '${field}', which ${REFRESHER_CONFIG_FILE} credentials[0] does not leave to it`,
      );
    },
  );

  it('takes every field the file leaves to the parameter', () => {
    const file = formatRefresherConfig([
      { name: 'a', tokenUrl: TOKEN_URL, parameter: 'ffff', parameterFields: ['secretId'] },
    ]);
    const [set] = parseUsable(file, new Map([['a', JSON.stringify({ secretId: SECRET_ARN })]]), PATH);
    expect(set).toMatchObject({ name: 'a', tokenUrl: TOKEN_URL, secretId: SECRET_ARN });
  });
});

describe('Function: parseRefresherEnvironment with the configuration file', () => {
  const env = { TABLE_NAME: 't', SECRET_ID_PARAMETER_PATH: PATH };

  it('takes the sets from the file, not the environment', () => {
    // Act
    const parsed = parseRefresherEnvironment(env, {
      file: formatRefresherConfig(fifty),
      parameters: parametersOf(fifty),
    });

    // Assess
    expect(parsed.tableName).toBe('t');
    expect(parsed.credentials.map((set) => set.name)).toEqual(fifty.map((entry) => entry.name));
  });

  it('names the parameter path it read when a set is missing from it', () => {
    const { credentials } = parseRefresherEnvironment(env, {
      file: formatRefresherConfig(fifty),
      parameters: new Map(),
    });
    expect(credentials.filter((set) => set.unusable)).toHaveLength(25);
    expect(() => {
      throw credentials[25]?.unusable;
    }).toThrow(
      `credential set 'set-25': parameter ${PATH}/set-25, which completes ${REFRESHER_CONFIG_FILE} credentials[25], was not found`,
    );
  });

  it('refuses a file and a CREDENTIALS variable together: one source of sets', () => {
    const credentials = JSON.stringify([{ name: 'a', tokenUrl: TOKEN_URL, secretId: 's' }]);
    expect(() =>
      parseRefresherEnvironment({ ...env, CREDENTIALS: credentials }, { file: formatRefresherConfig(fifty) }),
    ).toThrow('both refresher-config.json and environment variable CREDENTIALS');
  });
});
