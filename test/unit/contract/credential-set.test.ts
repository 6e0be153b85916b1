import { describe, expect, it } from 'vitest';
import {
  A55_TOKEN_URL,
  assertUniqueNames,
  CREDENTIAL_SET_DEFAULTS,
  credentialNameProblem,
  isClientAuthMethod,
  isCredentialName,
  parseCredentialSet,
  show,
  TokenBrokerConfigError,
} from '../../../contract/credential-set.js';

const PATH = 'tokenBroker.credentials[1]';
const SANDBOX_URL = 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token';

/** The message `run` threw, failing when it did not throw a TokenBrokerConfigError. */
function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenBrokerConfigError);
    expect((error as Error).name).toBe('TokenBrokerConfigError');
    return (error as Error).message;
  }
  throw new Error('expected a TokenBrokerConfigError');
}

describe('Function: parseCredentialSet', () => {
  describe('defaults', () => {
    it("applies A55's endpoint and client_secret_post when only the name is given", () => {
      // Act
      const set = parseCredentialSet({ name: 'sandbox' }, PATH);

      // Assess
      expect(set).toStrictEqual({
        name: 'sandbox',
        tokenUrl: A55_TOKEN_URL,
        clientAuth: 'client_secret_post',
        extra: {},
      });
      expect(CREDENTIAL_SET_DEFAULTS).toEqual({ tokenUrl: A55_TOKEN_URL, clientAuth: 'client_secret_post' });
    });

    it('keeps every given field', () => {
      // Act
      const set = parseCredentialSet(
        {
          name: 'production',
          tokenUrl: SANDBOX_URL,
          scope: 'a55/read a55/write',
          clientAuth: 'client_secret_basic',
        },
        PATH,
      );

      // Assess
      expect(set).toStrictEqual({
        name: 'production',
        tokenUrl: SANDBOX_URL,
        scope: 'a55/read a55/write',
        clientAuth: 'client_secret_basic',
        extra: {},
      });
    });

    it.each(['http://127.0.0.1:8787/oauth2/token', 'http://localhost:9000/token', 'http://[::1]:9000/token'])(
      'accepts plain http on the loopback host: %s',
      (tokenUrl) => {
        expect(parseCredentialSet({ name: 'local', tokenUrl }, PATH).tokenUrl).toBe(tokenUrl);
      },
    );
  });

  describe('errors name the field path and the value', () => {
    it.each([
      [{ name: 'Prod' }, `${PATH}.name: 'Prod' must match [a-z0-9-]{1,64}`],
      [{}, `${PATH}.name: undefined must match [a-z0-9-]{1,64}`],
      [{ name: 42 }, `${PATH}.name: 42 must match [a-z0-9-]{1,64}`],
      [{ name: 'a'.repeat(65) }, `${PATH}.name: '${'a'.repeat(65)}' must match [a-z0-9-]{1,64}`],
      [{ name: 'ok', tokenUrl: 42 }, `${PATH}.tokenUrl: 42 must be a string`],
      [{ name: 'ok', tokenUrl: 'not a url' }, `${PATH}.tokenUrl: 'not a url' is not a valid URL`],
      [
        { name: 'ok', tokenUrl: 'http://auth.example.com/token' },
        `${PATH}.tokenUrl: 'http://auth.example.com/token' must use https (http is allowed only for 127.0.0.1 or localhost)`,
      ],
      [
        { name: 'ok', tokenUrl: 'ftp://127.0.0.1/token' },
        `${PATH}.tokenUrl: 'ftp://127.0.0.1/token' must use https (http is allowed only for 127.0.0.1 or localhost)`,
      ],
      [
        { name: 'ok', tokenUrl: 'https://user@auth.example.com/token' },
        `${PATH}.tokenUrl: 'https://***@auth.example.com/token' must not embed user information`,
      ],
      [{ name: 'ok', scope: '' }, `${PATH}.scope: '' must be a non-empty string`],
      [{ name: 'ok', scope: 7 }, `${PATH}.scope: 7 must be a non-empty string`],
      [
        { name: 'ok', scope: 'a  b' },
        `${PATH}.scope: 'a  b' must be space-separated scope tokens of printable ASCII without quotes or backslashes`,
      ],
      [
        { name: 'ok', scope: 'a"b' },
        `${PATH}.scope: 'a"b' must be space-separated scope tokens of printable ASCII without quotes or backslashes`,
      ],
      [
        { name: 'ok', clientAuth: 'basic' },
        `${PATH}.clientAuth: 'basic' must be one of client_secret_post, client_secret_basic`,
      ],
      [
        { name: 'ok', clientAuth: null },
        `${PATH}.clientAuth: null must be one of client_secret_post, client_secret_basic`,
      ],
    ])('refuses %j', (raw, message) => {
      expect(messageOf(() => parseCredentialSet(raw, PATH))).toBe(message);
    });

    it.each([
      [null, 'null'],
      [[{ name: 'a' }], '[{"name":"a"}]'],
      ['sandbox', "'sandbox'"],
      [undefined, 'undefined'],
    ])('refuses %j as a set', (raw, shown) => {
      expect(messageOf(() => parseCredentialSet(raw, PATH))).toBe(`${PATH}: ${shown} must be an object`);
    });

    it('checks the name before the other fields', () => {
      expect(messageOf(() => parseCredentialSet({ name: 'Bad', tokenUrl: 42 }, PATH))).toMatch(/\.name: /);
    });
  });

  describe('keys', () => {
    it('refuses an unknown key, listing the allowed ones (a typo must not be ignored)', () => {
      expect(messageOf(() => parseCredentialSet({ name: 'ok', tokenURL: SANDBOX_URL }, PATH))).toBe(
        `${PATH}: unknown key 'tokenURL' (allowed: name, tokenUrl, scope, clientAuth)`,
      );
    });

    it("allows the caller's extraKeys and returns the present ones untouched in extra", () => {
      // Act
      const set = parseCredentialSet({ name: 'ok', secretName: { arn: 'x' } }, PATH, {
        extraKeys: ['secretName', 'clientId'],
      });

      // Assess
      expect(set.extra).toStrictEqual({ secretName: { arn: 'x' } });
      expect(set).not.toHaveProperty('secretName');
    });

    it('lists the extraKeys among the allowed ones', () => {
      expect(
        messageOf(() => parseCredentialSet({ name: 'ok', secret: 's' }, PATH, { extraKeys: ['secretName'] })),
      ).toBe(`${PATH}: unknown key 'secret' (allowed: name, tokenUrl, scope, clientAuth, secretName)`);
    });

    it('leaves an extra key given as undefined out of extra', () => {
      const set = parseCredentialSet({ name: 'ok', secretName: undefined }, PATH, {
        extraKeys: ['secretName'],
      });
      expect(set.extra).toStrictEqual({});
    });
  });

  describe('option: isUnresolved', () => {
    // A CDK token as it looks before synthesis resolves it.
    const token = `\${Token[TOKEN.123]}`;

    it('lets an unresolved tokenUrl through unchecked', () => {
      const set = parseCredentialSet({ name: 'ok', tokenUrl: token }, PATH, {
        isUnresolved: (value) => value === token,
      });
      expect(set.tokenUrl).toBe(token);
    });

    it('checks the tokenUrl when the predicate says it is resolved, or when there is none', () => {
      expect(
        messageOf(() =>
          parseCredentialSet({ name: 'ok', tokenUrl: token }, PATH, { isUnresolved: () => false }),
        ),
      ).toBe(`${PATH}.tokenUrl: '${token}' is not a valid URL`);
      expect(messageOf(() => parseCredentialSet({ name: 'ok', tokenUrl: token }, PATH))).toBe(
        `${PATH}.tokenUrl: '${token}' is not a valid URL`,
      );
    });

    it('does not apply to a tokenUrl that is not a string', () => {
      expect(
        messageOf(() => parseCredentialSet({ name: 'ok', tokenUrl: 1 }, PATH, { isUnresolved: () => true })),
      ).toBe(`${PATH}.tokenUrl: 1 must be a string`);
    });
  });
});

describe('Function: assertUniqueNames', () => {
  it('accepts distinct names and an empty list', () => {
    expect(() => assertUniqueNames(['a', 'b', 'c'], 'tokenBroker.credentials')).not.toThrow();
    expect(() => assertUniqueNames([], 'tokenBroker.credentials')).not.toThrow();
  });

  it('names the repeated entry and the first one (one partition key, two sets)', () => {
    expect(messageOf(() => assertUniqueNames(['a', 'b', 'a'], 'tokenBroker.credentials'))).toBe(
      "tokenBroker.credentials[2].name: 'a' duplicates tokenBroker.credentials[0].name",
    );
  });
});

describe('Function: isCredentialName', () => {
  it.each(['a', 'sandbox', 'prod-2', 'a'.repeat(64)])('accepts %j', (name) => {
    expect(isCredentialName(name)).toBe(true);
    expect(credentialNameProblem(name)).toBeUndefined();
  });

  it.each(['', 'Prod', 'a_b', 'a b', 'a#state', 'a'.repeat(65), 42, undefined, null])(
    'refuses %j',
    (name) => {
      expect(isCredentialName(name)).toBe(false);
      expect(credentialNameProblem(name)).toBe('must match [a-z0-9-]{1,64}');
    },
  );
});

describe('Function: isClientAuthMethod', () => {
  it.each([
    ['client_secret_post', true],
    ['client_secret_basic', true],
    ['private_key_jwt', false],
    ['toString', false],
    [undefined, false],
  ])('%j -> %j', (value, expected) => {
    expect(isClientAuthMethod(value)).toBe(expected);
  });
});

describe('Function: show', () => {
  it('quotes strings and renders everything else as JSON', () => {
    expect([show('x'), show(undefined), show(null), show(3), show({ a: [1] })]).toEqual([
      "'x'",
      'undefined',
      'null',
      '3',
      '{"a":[1]}',
    ]);
  });

  it('falls back to String for what JSON cannot render', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(show(circular)).toBe('[object Object]');
    expect(show(10n)).toBe('10');
    expect(show(() => 1)).toBe('() => 1');
  });
});

describe('Function: parseCredentialSet, user information in tokenUrl', () => {
  it('refuses the URL without quoting the password it may carry', () => {
    // Prepare
    const raw = { name: 'sandbox', tokenUrl: 'https://id:hunter2-canary@auth.example.test/oauth2/token' };
    // Act
    const act = () => parseCredentialSet(raw, 'credentials[0]');
    // Assess
    expect(act).toThrow(
      "credentials[0].tokenUrl: 'https://***@auth.example.test/oauth2/token' must not embed user information",
    );
    expect(() => act()).not.toThrow(/hunter2-canary/);
  });
});
