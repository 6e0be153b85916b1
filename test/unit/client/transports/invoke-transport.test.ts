import { inspect } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BadRequest,
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  InternalError,
  InvokeTransport,
  TokenBrokerClient,
  TokenUnavailable,
  UnknownCredential,
} from '../../../../client/index.js';
import { TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../../../contract/index.js';
import { brokerToken, CANARY, fakeClock, lambdaPayload } from '../fakes.js';

const encode = lambdaPayload;

/** What Lambda returns when the handler throws: status 200, FunctionError, the error as JSON. */
function functionError(errorType: string, errorMessage: string) {
  return {
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    FunctionError: 'Unhandled',
    Payload: encode({
      errorType,
      errorMessage,
      trace: [`${errorType}: ${errorMessage}`, '    at read (file:///var/task/index.mjs:1:2345)'],
    }),
  };
}

/** An SDK service exception as the Lambda client throws it. */
function serviceException(name: string, status: number, message: string) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

describe('Class: InvokeTransport', () => {
  const lambda = mockClient(LambdaClient);
  const transport = new InvokeTransport({ functionName: 'a55-reader', lambdaClient: new LambdaClient({}) });

  beforeEach(() => {
    lambda.reset();
  });

  describe('Method: fetchToken', () => {
    it('invokes the reader with the request as its payload and returns the view', async () => {
      // Prepare
      lambda
        .on(InvokeCommand)
        .resolves({ StatusCode: 200, Payload: encode(brokerToken(CANARY, 3000, 'production')) });

      // Act
      const token = await transport.fetchToken({ credential: 'production', minValiditySeconds: 120 });

      // Assess
      expect(token).toMatchObject({ accessToken: CANARY, credential: 'production', expiresIn: 3000 });
      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'a55-reader' });
      const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
        credential: 'production',
        minValiditySeconds: 120,
      });
    });

    it('sends rejectedTokenHash in the payload when the request says "not this token"', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(brokerToken(CANARY)) });
      await transport.fetchToken({ minValiditySeconds: 300, rejectedTokenHash: '0123456789abcdef' });
      const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
        minValiditySeconds: 300,
        rejectedTokenHash: '0123456789abcdef',
      });
    });

    it("gives TokenUnavailable the reader's contract Retry-After: an invoke carries no header", async () => {
      lambda.on(InvokeCommand).resolves(functionError('TokenUnavailable', 'no token is stored yet'));
      const error = await transport
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({ retryAfterSeconds: TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS });
    });

    it('leaves credential out so the reader serves its default set', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(brokerToken(CANARY)) });
      await transport.fetchToken({ minValiditySeconds: 300 });
      const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ minValiditySeconds: 300 });
    });

    it.each([
      ['BadRequest', 'minValiditySeconds must be an integer from 0 to 3600, got 5000', BadRequest],
      ['UnknownCredential', "unknown credential 'staging': this broker serves 'sandbox'", UnknownCredential],
      [
        'TokenUnavailable',
        "no usable token for credential 'sandbox': no token is stored yet",
        TokenUnavailable,
      ],
      ['InternalError', 'internal error; see the reader logs', InternalError],
    ])(
      'turns a %s function error into the typed error of that name',
      async (errorType, errorMessage, type) => {
        // Prepare
        lambda.on(InvokeCommand).resolves(functionError(errorType, errorMessage));

        // Act
        const error = await transport
          .fetchToken({ minValiditySeconds: 300 })
          .catch((caught: unknown) => caught);

        // Assess
        expect(error).toBeInstanceOf(type);
        expect(error).toMatchObject({
          name: errorType,
          message: `${errorMessage} (broker: function a55-reader)`,
          broker: 'function a55-reader',
          status: undefined,
        });
      },
    );

    it('turns a Lambda runtime error (timeout) into BrokerUnavailable that keeps the errorType', async () => {
      // Prepare
      lambda
        .on(InvokeCommand)
        .resolves(functionError('Sandbox.Timedout', 'Task timed out after 10.00 seconds'));

      // Act
      const error = await transport
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        errorType: 'Sandbox.Timedout',
        message: expect.stringContaining('Task timed out'),
      });
    });

    it('turns an error payload without errorType into BrokerUnavailable', async () => {
      lambda
        .on(InvokeCommand)
        .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: encode('boom') });
      await expect(transport.fetchToken({ minValiditySeconds: 300 })).rejects.toBeInstanceOf(
        BrokerUnavailable,
      );
    });

    it('turns an IAM refusal into BrokerAccessDenied that says what to grant', async () => {
      // Prepare
      lambda
        .on(InvokeCommand)
        .rejects(
          serviceException(
            'AccessDeniedException',
            403,
            'User: arn:aws:sts::111122223333:assumed-role/consumer/fn is not authorized to perform: lambda:InvokeFunction',
          ),
        );

      // Act
      const error = await transport
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BrokerAccessDenied);
      expect((error as Error).message).toMatch(/grant lambda:InvokeFunction.*grantRead.*not authorized/);
    });

    it('turns a missing function into BrokerUnavailable that points at TOKEN_BROKER_FUNCTION', async () => {
      lambda
        .on(InvokeCommand)
        .rejects(serviceException('ResourceNotFoundException', 404, 'Function not found: a55-reader'));
      const error = await transport
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        errorType: 'ResourceNotFoundException',
        message: expect.stringContaining('TOKEN_BROKER_FUNCTION'),
      });
    });

    it.each([
      [
        'a body that is not JSON',
        Object.assign(new TextEncoder().encode('not json'), { transformToString: () => 'not json' }),
      ],
      [
        'a view without expiresAt',
        encode({ credential: 'sandbox', accessToken: CANARY, tokenType: 'Bearer' }),
      ],
      ['a view with another token type', encode({ ...brokerToken(CANARY), tokenType: 'MAC' })],
    ])('refuses %s without quoting the token', async (_case, Payload) => {
      // Prepare
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload });

      // Act
      const error = await transport
        .fetchToken({ minValiditySeconds: 300 })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BrokerResponseInvalid);
      expect(inspect(error, { depth: 5 })).not.toContain(CANARY);
      expect(JSON.stringify(error)).not.toContain(CANARY);
    });
  });

  describe('Through: TokenBrokerClient', () => {
    it('retries TokenUnavailable function errors until the reader serves a token', async () => {
      // Prepare
      lambda
        .on(InvokeCommand)
        .resolvesOnce(functionError('TokenUnavailable', 'no token is stored yet'))
        .resolvesOnce(functionError('TokenUnavailable', 'no token is stored yet'))
        .resolves({ StatusCode: 200, Payload: encode(brokerToken(CANARY)) });
      const client = new TokenBrokerClient({ transport, clock: fakeClock() });

      // Act
      const token = await client.getToken();

      // Assess
      expect(token).toBe(CANARY);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 3);
    });
  });
});
