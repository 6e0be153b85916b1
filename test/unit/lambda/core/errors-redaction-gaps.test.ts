/**
 * What the core's other tests left open (issue #16): every error class spells its name (a
 * minified bundle would lose the class name) and words its message, the loggable fields of
 * anything thrown, the redaction of every form of the credentials (short values left, the
 * longest first, causes a few levels deep), and the deadline's abort.
 */
import { describe, expect, it } from 'vitest';
import { TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../../../contract/index.js';
import { abortable, withinDeadline } from '../../../../lambda/core/deadline.js';
import {
  BadRequest,
  errorFields,
  MethodNotAllowed,
  NotFound,
  RefreshTriggerError,
  RetryNotScheduled,
  SecretInvalid,
  SecretNotSet,
  TokenRequestRejected,
  TokenResponseInvalid,
  TokenStoreError,
  TokenUnavailable,
  UnknownCredential,
} from '../../../../lambda/core/errors.js';
import {
  basicCredentials,
  REDACTED,
  redactError,
  redactText,
  sensitiveForms,
} from '../../../../lambda/core/redaction.js';

describe('Errors of the core', () => {
  it.each([
    ['BadRequest', new BadRequest('bad'), 'bad'],
    ['UnknownCredential', new UnknownCredential('x', ['a', 'b']), undefined],
    ['MethodNotAllowed', new MethodNotAllowed('POST'), 'method POST is not allowed: use GET'],
    [
      'NotFound',
      new NotFound(`/${'p'.repeat(150)}`),
      `no such path '/${'p'.repeat(99)}': use GET /token?credential=NAME or GET /status`,
    ],
    [
      'SecretInvalid',
      new SecretInvalid('s', 'arn:x', 'is not JSON'),
      "credential 's': secret arn:x is not JSON",
    ],
    ['SecretNotSet', new SecretNotSet('s', 'arn:x'), undefined],
    [
      'TokenResponseInvalid',
      new TokenResponseInvalid('s', 'body is empty'),
      "credential 's': token endpoint sent an invalid token response: body is empty; nothing was stored; check the tokenUrl points at an OAuth 2.0 token endpoint",
    ],
    [
      'RefreshTriggerError',
      new RefreshTriggerError('s', 'throttled'),
      "credential 's': could not ask the refresher for a token: throttled",
    ],
    [
      'RetryNotScheduled',
      new RetryNotScheduled('s', 'queue gone'),
      "credential 's': could not schedule the next retry: queue gone",
    ],
    ['TokenStoreError', new TokenStoreError('s', 'x'), "credential 's': token store failed: x"],
  ])('%s spells its name and words its message', (name, error, message) => {
    expect(error.name).toBe(name);
    expect(String(error).startsWith(`${name}: `)).toBe(true);
    if (message !== undefined) expect(error.message).toBe(message);
  });

  it('SecretNotSet says what to paste where', () => {
    expect(new SecretNotSet('s', 'arn:x').message).toBe(
      "credential 's': secret arn:x still holds the placeholder the stack created; paste the client_id and client_secret A55 sent you into it (see the README, Operating)",
    );
  });

  it.each([
    [undefined, ''],
    ['invalid_client', ' (invalid_client)'],
    ['other', ' (an error code that is not a standard OAuth code; not shown)'],
  ] as const)('TokenRequestRejected words the OAuth error %j', (oauthError, code) => {
    const error = new TokenRequestRejected('s', 401, oauthError, 'fix the secret');
    expect(error.name).toBe('TokenRequestRejected');
    expect(error.message).toBe(
      `credential 's': token endpoint rejected the request with HTTP 401${code}; fix the secret`,
    );
  });

  it("TokenUnavailable defaults to the contract's Retry-After, no claim and the refresher advice", () => {
    const error = new TokenUnavailable('s', 'no token is stored yet');
    expect(error).toMatchObject({
      retryAfterSeconds: TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS,
      refreshClaim: { outcome: 'off' },
      message:
        "no usable token for credential 's': no token is stored yet; the refresher may not have run yet or may be failing (check its logs and the RefreshFailed metric)",
    });
    expect(new TokenUnavailable('s', 'r', { retryAfterSeconds: 0, advice: 'wait' })).toMatchObject({
      retryAfterSeconds: 0,
      message: "no usable token for credential 's': r; wait",
    });
  });
});

describe('Function: errorFields', () => {
  it('takes the name and message of an error, and says a non-error was thrown otherwise', () => {
    expect(errorFields(new BadRequest('bad'))).toStrictEqual({
      errorName: 'BadRequest',
      errorMessage: 'bad',
    });
    expect(errorFields('the secret')).toStrictEqual({
      errorName: 'UnknownError',
      errorMessage: 'a non-error value was thrown',
    });
  });
});

describe('Redaction', () => {
  const credentials = { clientId: 'client id+1', clientSecret: 's3cr3t/é' };

  it('encodes client_secret_basic credentials with each part form-encoded', () => {
    expect(basicCredentials(credentials)).toBe(
      Buffer.from('client+id%2B1:s3cr3t%2F%C3%A9', 'utf8').toString('base64'),
    );
  });

  it('lists every form, longest first, leaving out forms shorter than 4 characters', () => {
    const forms = sensitiveForms({ clientId: 'abc', clientSecret: 'p w/d' });
    expect(forms).toEqual(
      [
        Buffer.from('abc:p+w%2Fd').toString('base64'),
        Buffer.from('abc:p w/d').toString('base64'),
        'p%20w%2Fd',
        'p+w%2Fd',
        'p w/d',
      ].sort((a, b) => b.length - a.length),
    );
    expect(forms).not.toContain('abc');
    expect(sensitiveForms({ clientId: 'abcd', clientSecret: 'wxyz' })).toContain('abcd');
  });

  it('replaces every occurrence, a form that contains another whole', () => {
    const forms = sensitiveForms(credentials);
    const text = `id=${encodeURIComponent(credentials.clientId)}&secret=${credentials.clientSecret} again ${credentials.clientSecret}`;
    expect(redactText(text, forms)).toBe(`id=${REDACTED}&secret=${REDACTED} again ${REDACTED}`);
  });

  it('redacts the message and stack of an error and of its causes, five levels deep', () => {
    // Prepare: a chain of six errors, each naming the secret
    const chain: Error[] = [];
    for (let level = 0; level < 6; level++) {
      chain.push(new Error(`level ${level}: ${credentials.clientSecret}`));
    }
    for (let level = 0; level < 5; level++) (chain[level] as Error).cause = chain[level + 1];
    const noStack = new Error(`no stack: ${credentials.clientSecret}`);
    noStack.stack = undefined;

    // Act
    redactError(chain[0], sensitiveForms(credentials));
    redactError(noStack, sensitiveForms(credentials));

    // Assess
    expect(chain.slice(0, 5).map((error) => error.message)).toEqual(
      [0, 1, 2, 3, 4].map((level) => `level ${level}: ${REDACTED}`),
    );
    expect(chain.slice(0, 5).every((error) => !error.stack?.includes(credentials.clientSecret))).toBe(true);
    expect(chain[5]?.message).toBe(`level 5: ${credentials.clientSecret}`);
    expect(noStack.message).toBe(`no stack: ${REDACTED}`);
    expect(noStack.stack).toBeUndefined();
  });

  it('leaves a frozen error alone without throwing', () => {
    const frozen = Object.freeze(new Error(`frozen ${credentials.clientSecret}`));
    expect(() => redactError(frozen, sensitiveForms(credentials))).not.toThrow();
  });
});

describe('Function: abortable', () => {
  it('fails at once with the abort error when the signal has already fired, swallowing the late failure', async () => {
    const controller = new AbortController();
    controller.abort();
    let unhandled = false;
    const onUnhandled = () => {
      unhandled = true;
    };
    process.on('unhandledRejection', onUnhandled);
    const late = Promise.reject(new Error('late'));
    await expect(abortable(late, controller.signal, () => new Error('deadline'))).rejects.toThrow('deadline');
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toBe(false);
  });

  it('answers with the call, and stops listening to the signal once it has', async () => {
    const controller = new AbortController();
    let aborts = 0;
    const value = await abortable(Promise.resolve(7), controller.signal, () => {
      aborts++;
      return new Error('deadline');
    });
    controller.abort();
    expect(value).toBe(7);
    expect(aborts).toBe(0);
  });

  it('passes the call failure on, and stops listening', async () => {
    const controller = new AbortController();
    let aborts = 0;
    const failure = abortable(Promise.reject(new Error('GetItem failed')), controller.signal, () => {
      aborts++;
      return new Error('deadline');
    });
    await expect(failure).rejects.toThrow('GetItem failed');
    controller.abort();
    expect(aborts).toBe(0);
  });

  it('fails with the deadline error when the signal fires first', async () => {
    const controller = new AbortController();
    const pending = withinDeadline(
      new Promise(() => undefined),
      controller.signal,
      'sandbox',
      'GetItem of the token item',
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({
      name: 'TokenStoreError',
      retryable: true,
      message:
        "credential 'sandbox': token store failed: GetItem of the token item did not answer before the reader's deadline (its Lambda timeout less a margin); check DynamoDB's latency and throttling for the table, and the function's timeout",
    });
  });
});
