import { describe, expect, it } from 'vitest';
import { A55_TOKEN_URL } from '../../../contract/index.js';
import { DEFAULT_BROKER_CONFIG, loadBrokerConfig } from '../../../lib/config.js';
import {
  MAX_CREDENTIAL_NAME_CHARACTERS,
  MAX_CREDENTIAL_SETS,
  TokenBrokerConfigError,
} from '../../../lib/validation.js';

const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Runs loadBrokerConfig and returns the message it threw, failing when it did not throw. */
function errorOf(raw: unknown): string {
  try {
    loadBrokerConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenBrokerConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected loadBrokerConfig to reject ${JSON.stringify(raw)}`);
}

describe('Function: loadBrokerConfig', () => {
  describe('defaults', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
    ])('returns one credential `default` on the A55 endpoint when the context is %s', (_label, raw) => {
      // Act
      const config = loadBrokerConfig(raw);

      // Assess
      expect(config).toEqual({
        credentials: [{ name: 'default', tokenUrl: A55_TOKEN_URL, clientAuth: 'client_secret_post' }],
        refreshIntervalMinutes: 50,
      });
    });

    it('fills tokenUrl, clientAuth and refreshIntervalMinutes when a credential gives only its name', () => {
      // Act
      const config = loadBrokerConfig({ credentials: [{ name: 'production' }] });

      // Assess
      expect(config).toEqual({
        credentials: [{ name: 'production', tokenUrl: A55_TOKEN_URL, clientAuth: 'client_secret_post' }],
        refreshIntervalMinutes: 50,
      });
    });

    it('uses the default credential when only the interval is configured', () => {
      // Act
      const config = loadBrokerConfig({ refreshIntervalMinutes: 30 });

      // Assess
      expect(config.credentials).toEqual(DEFAULT_BROKER_CONFIG.credentials);
      expect(config.refreshIntervalMinutes).toBe(30);
    });
  });

  describe('accepted input', () => {
    const full = {
      credentials: [
        {
          name: 'sandbox',
          tokenUrl: SANDBOX_URL,
          scope: 'a55/read a55/write',
          clientAuth: 'client_secret_basic',
        },
        { name: 'production', secretName: 'a55/production', secretKmsKeyArn: KEY_ARN },
      ],
      refreshIntervalMinutes: 45,
      allowedOrganizationId: 'o-abcde12345',
      allowedOrganizationSets: ['sandbox'],
      refresherReservedConcurrency: 4,
      alarmEmail: 'ops@example.com',
    };
    const expected = {
      credentials: [
        {
          name: 'sandbox',
          tokenUrl: SANDBOX_URL,
          scope: 'a55/read a55/write',
          clientAuth: 'client_secret_basic',
        },
        {
          name: 'production',
          tokenUrl: A55_TOKEN_URL,
          clientAuth: 'client_secret_post',
          secretName: 'a55/production',
          secretKmsKeyArn: KEY_ARN,
        },
      ],
      refreshIntervalMinutes: 45,
      allowedOrganizationId: 'o-abcde12345',
      allowedOrganizationSets: ['sandbox'],
      refresherReservedConcurrency: 4,
      alarmEmail: 'ops@example.com',
    };

    it('reads an object, as cdk.json holds it', () => {
      // Act & Assess
      expect(loadBrokerConfig(full)).toEqual(expected);
    });

    it('reads a JSON string, as `-c tokenBroker=...` passes it', () => {
      // Act & Assess
      expect(loadBrokerConfig(JSON.stringify(full))).toEqual(expected);
    });

    it.each(['http://127.0.0.1:8080/token', 'http://localhost/token'])(
      'accepts plain http on the loopback host (%s)',
      (tokenUrl) => {
        // Act
        const config = loadBrokerConfig({ credentials: [{ name: 'local', tokenUrl }] });

        // Assess
        expect(config.credentials[0]?.tokenUrl).toBe(tokenUrl);
      },
    );

    it.each([5, 54])('accepts the interval bound %i', (minutes) => {
      // Act & Assess
      expect(loadBrokerConfig({ refreshIntervalMinutes: minutes }).refreshIntervalMinutes).toBe(minutes);
    });

    it.each(['ops@example.com', 'a55-oncall+broker@mail.example.co.uk'])(
      'accepts the alarm e-mail %s',
      (alarmEmail) => {
        // Act & Assess
        expect(loadBrokerConfig({ alarmEmail }).alarmEmail).toBe(alarmEmail);
      },
    );

    it('leaves alarmEmail out when it is not configured', () => {
      // Act & Assess
      expect(loadBrokerConfig({ credentials: [{ name: 'sandbox' }] })).not.toHaveProperty('alarmEmail');
    });

    it('accepts a 64-character name of a-z, 0-9 and dashes', () => {
      // Prepare
      const name = `a-${'9'.repeat(62)}`;

      // Act & Assess
      expect(loadBrokerConfig({ credentials: [{ name }] }).credentials[0]?.name).toBe(name);
    });
  });

  describe('rejected input', () => {
    it('names the field path and value of a bad credential name', () => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox' }, { name: 'Prod' }] });

      // Assess
      expect(message).toBe("tokenBroker.credentials[1].name: 'Prod' must match [a-z0-9-]{1,64}");
    });

    it.each([
      ['empty', ''],
      ['65 characters', 'a'.repeat(65)],
      ['an underscore', 'prod_eu'],
      ['a number', 42],
    ])('rejects a name that is %s', (_label, name) => {
      // Act & Assess
      expect(errorOf({ credentials: [{ name }] })).toMatch(
        /^tokenBroker\.credentials\[0\]\.name: .* must match/,
      );
    });

    it('rejects a credential without a name', () => {
      // Act & Assess
      expect(errorOf({ credentials: [{ tokenUrl: SANDBOX_URL }] })).toBe(
        'tokenBroker.credentials[0].name: undefined must match [a-z0-9-]{1,64}',
      );
    });

    it('rejects a duplicate name and points at the first one', () => {
      // Act
      const message = errorOf({ credentials: [{ name: 'prod' }, { name: 'sandbox' }, { name: 'prod' }] });

      // Assess
      expect(message).toBe(
        "tokenBroker.credentials[2].name: 'prod' duplicates tokenBroker.credentials[0].name",
      );
    });

    it.each([
      ['plain http on another host', 'http://example.com/oauth2/token', undefined, 'must use https'],
      ['not a URL', 'example.com/token', undefined, 'is not a valid URL'],
      // Quoted without the user information: it may carry a password
      [
        'user information',
        'https://user:pw@example.com/token',
        'https://***@example.com/token',
        'must not embed user information',
      ],
    ])('rejects a tokenUrl with %s', (_label, tokenUrl, shown, problem) => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox', tokenUrl }] });

      // Assess
      expect(message).toContain(`tokenBroker.credentials[0].tokenUrl: '${shown ?? tokenUrl}' ${problem}`);
      expect(message).not.toContain('user:pw');
    });

    it('rejects a tokenUrl that is not a string', () => {
      // Act & Assess
      expect(errorOf({ credentials: [{ name: 'sandbox', tokenUrl: 443 }] })).toBe(
        'tokenBroker.credentials[0].tokenUrl: 443 must be a string',
      );
    });

    it('rejects an unknown clientAuth and lists the allowed methods', () => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox', clientAuth: 'private_key_jwt' }] });

      // Assess
      expect(message).toBe(
        "tokenBroker.credentials[0].clientAuth: 'private_key_jwt' must be one of client_secret_post, client_secret_basic",
      );
    });

    it.each([4, 50.5, '50', 0])('rejects refreshIntervalMinutes %j', (minutes) => {
      // Act & Assess
      expect(errorOf({ refreshIntervalMinutes: minutes })).toBe(
        `tokenBroker.refreshIntervalMinutes: ${typeof minutes === 'string' ? `'${minutes}'` : minutes} must be an integer from 5 to 54`,
      );
    });

    it.each([55, 56])(
      'rejects refreshIntervalMinutes %i: the token fetched at one run would not keep more than 300 s at the next',
      (minutes) => {
        // Act & Assess
        expect(errorOf({ refreshIntervalMinutes: minutes })).toBe(
          `tokenBroker.refreshIntervalMinutes: ${minutes} must be an integer from 5 to 54 (an A55 token lives ` +
            '3600 s: at the next run it must still have more than the default minValiditySeconds, 300 s, left)',
        );
      },
    );

    it('rejects an unknown top-level key and lists the allowed ones', () => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox' }], refreshInterval: 30 });

      // Assess
      expect(message).toBe(
        "tokenBroker: unknown key 'refreshInterval' (allowed: credentials, refreshIntervalMinutes, allowedOrganizationId, " +
          'allowedOrganizationSets, refresherReservedConcurrency, alarmEmail)',
      );
    });

    it('rejects an unknown credential key', () => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox', tokenURL: SANDBOX_URL }] });

      // Assess
      expect(message).toBe(
        "tokenBroker.credentials[0]: unknown key 'tokenURL' (allowed: name, tokenUrl, scope, clientAuth, secretName, secretKmsKeyArn, nestedStack)",
      );
    });

    it('rejects an empty credentials array', () => {
      // Act & Assess
      expect(errorOf({ credentials: [] })).toBe(
        'tokenBroker.credentials: [] must list at least one credential set',
      );
    });

    it('takes the supported number of credential sets and rejects one more, saying why and what to do', () => {
      // Prepare
      const sets = (count: number) => ({
        credentials: Array.from({ length: count }, (_, index) => ({ name: `set-${index}` })),
      });

      // Act & Assess
      expect(loadBrokerConfig(sets(MAX_CREDENTIAL_SETS)).credentials).toHaveLength(MAX_CREDENTIAL_SETS);
      expect(errorOf(sets(MAX_CREDENTIAL_SETS + 1))).toBe(
        `tokenBroker.credentials lists ${MAX_CREDENTIAL_SETS + 1} credential sets; one broker takes at most ` +
          `${MAX_CREDENTIAL_SETS}, because of CloudFormation's 500 resources and 200 outputs per stack: ` +
          'split the sets between two brokers, each in its own stack',
      );
    });

    it('takes names that add up to the name budget and rejects one character more, saying why and what to do', () => {
      // Prepare: 50 distinct names of 32 characters, then one of them a character longer
      const names = Array.from({ length: MAX_CREDENTIAL_SETS }, (_, index) =>
        `set-${String(index).padStart(2, '0')}-`.padEnd(
          MAX_CREDENTIAL_NAME_CHARACTERS / MAX_CREDENTIAL_SETS,
          'x',
        ),
      );
      const config = (list: string[]) => ({ credentials: list.map((name) => ({ name })) });

      // Act & Assess
      expect(names.join('')).toHaveLength(MAX_CREDENTIAL_NAME_CHARACTERS);
      expect(loadBrokerConfig(config(names)).credentials).toHaveLength(MAX_CREDENTIAL_SETS);
      expect(errorOf(config([...names.slice(1), `${names[0]}x`]))).toBe(
        `tokenBroker.credentials name ${MAX_CREDENTIAL_SETS} credential sets with ` +
          `${MAX_CREDENTIAL_NAME_CHARACTERS + 1} characters together; one broker takes at most ` +
          `${MAX_CREDENTIAL_NAME_CHARACTERS} (an average of 32 over 50 sets), because every name recurs in ` +
          'the stack template and CloudFormation takes at most 1 MB: shorten the names, or split the sets ' +
          'between two brokers, each in its own stack',
      );
    });

    it('rejects credentials that are not an array', () => {
      // Act & Assess
      expect(errorOf({ credentials: { name: 'sandbox' } })).toBe(
        'tokenBroker.credentials: {"name":"sandbox"} must be an array of credential sets',
      );
    });

    it('rejects a credential that is not an object', () => {
      // Act & Assess
      expect(errorOf({ credentials: ['sandbox'] })).toBe(
        "tokenBroker.credentials[0]: 'sandbox' must be an object",
      );
    });

    it.each([
      ['an empty string', '', "''", 'must be a non-empty string'],
      ['a number', 7, '7', 'must be a non-empty string'],
      ['two spaces in a row', 'a  b', "'a  b'", 'must be space-separated scope tokens'],
      ['a quote', 'a"b', `'a"b'`, 'must be space-separated scope tokens'],
    ])('rejects a scope that is %s', (_label, scope, shown, problem) => {
      // Act
      const message = errorOf({ credentials: [{ name: 'sandbox', scope }] });

      // Assess
      expect(message).toContain(`tokenBroker.credentials[0].scope: ${shown} ${problem}`);
    });

    it.each(['o-short', 'O-ABCDE12345', 'ou-abcd-12345678', '123456789012'])(
      'rejects allowedOrganizationId %s',
      (orgId) => {
        // Act & Assess
        expect(errorOf({ allowedOrganizationId: orgId })).toBe(
          `tokenBroker.allowedOrganizationId: '${orgId}' must match ^o-[a-z0-9]{10,32}$`,
        );
      },
    );

    it.each([
      ['no @', "'ops.example.com'", 'ops.example.com'],
      ['no dotted domain', "'ops@localhost'", 'ops@localhost'],
      ['a list', "'a@example.com, b@example.com'", 'a@example.com, b@example.com'],
      ['a space', "'ops @example.com'", 'ops @example.com'],
      ['a number', '42', 42],
    ])('rejects an alarmEmail with %s', (_label, shown, alarmEmail) => {
      // Act & Assess
      expect(errorOf({ alarmEmail })).toBe(
        `tokenBroker.alarmEmail: ${shown} must be one e-mail address, e.g. ops@example.com`,
      );
    });

    it('rejects a secretName Secrets Manager would refuse', () => {
      // Act & Assess
      expect(errorOf({ credentials: [{ name: 'sandbox', secretName: 'a55 secret' }] })).toMatch(
        /^tokenBroker\.credentials\[0\]\.secretName: 'a55 secret' must be a Secrets Manager secret name/,
      );
    });

    it.each<[string, Record<string, unknown>, string]>([
      [
        'a set that is not configured',
        { allowedOrganizationSets: ['staging'] },
        "tokenBroker.allowedOrganizationSets[0]: 'staging' is not a credential set of this broker (it serves 'sandbox', 'production')",
      ],
      [
        'no allowedOrganizationId',
        { allowedOrganizationId: undefined, allowedOrganizationSets: ['sandbox'] },
        'tokenBroker.allowedOrganizationSets: ["sandbox"] needs allowedOrganizationId',
      ],
      [
        'a string instead of a list',
        { allowedOrganizationSets: 'sandbox' },
        "tokenBroker.allowedOrganizationSets: 'sandbox' must be an array of credential set names",
      ],
      [
        'an empty list',
        { allowedOrganizationSets: [] },
        'tokenBroker.allowedOrganizationSets: [] must list at least one credential set (leave it out for every set)',
      ],
    ])('rejects allowedOrganizationSets with %s', (_label, fields, message) => {
      // Act & Assess
      expect(
        errorOf({
          credentials: [{ name: 'sandbox' }, { name: 'production' }],
          allowedOrganizationId: 'o-abcde12345',
          ...fields,
        }),
      ).toBe(message);
    });

    it.each([-1, 1.5, 1001, '2'])('rejects refresherReservedConcurrency %j', (value) => {
      // Act & Assess
      expect(errorOf({ refresherReservedConcurrency: value })).toBe(
        `tokenBroker.refresherReservedConcurrency: ${typeof value === 'string' ? `'${value}'` : value} must be an integer from 0 to 1000`,
      );
    });

    it.each([
      ['an alias ARN', 'arn:aws:kms:us-east-1:111122223333:alias/a55'],
      ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['a key of no account', 'arn:aws:kms:us-east-1::key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ])('rejects a secretKmsKeyArn that is %s', (_label, arn) => {
      // Act & Assess
      expect(
        errorOf({ credentials: [{ name: 'shared', secretName: 'a55/shared', secretKmsKeyArn: arn }] }),
      ).toBe(
        `tokenBroker.credentials[0].secretKmsKeyArn: '${arn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)`,
      );
    });

    it('rejects a secretKmsKeyArn without secretName: a created secret uses the AWS managed key', () => {
      // Act & Assess
      expect(errorOf({ credentials: [{ name: 'sandbox', secretKmsKeyArn: KEY_ARN }] })).toBe(
        `tokenBroker.credentials[0].secretKmsKeyArn: '${KEY_ARN}' needs secretName: a secret the stack creates uses the AWS managed key aws/secretsmanager`,
      );
    });

    it('rejects a string that is not JSON and says so', () => {
      // Act & Assess
      expect(errorOf('{credentials: [}')).toMatch(/^tokenBroker: is a string but not valid JSON \(/);
    });

    it.each([
      ['an array', []],
      ['a number', 3],
    ])('rejects a configuration that is %s', (_label, raw) => {
      // Act & Assess
      expect(errorOf(raw)).toMatch(/^tokenBroker: .* must be an object$/);
    });
  });
});
