/**
 * What the invoke transport's other tests left open (issue #16): the exact payload, the exact
 * messages and fields of each failure, the cause kept, and the default client's timeouts.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  InvokeTransport,
  TokenUnavailable,
} from '../../../../client/index.js';
import { TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../../../contract/index.js';
import { brokerToken, CANARY, lambdaPayload } from '../fakes.js';

const BROKER = 'function a55-reader';

/** The error `fetchToken` failed with; fails the test when it resolved. */
async function failureOf(transport: InvokeTransport): Promise<Error> {
  const outcome = await transport.fetchToken({ minValiditySeconds: 300 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('fetchToken resolved');
  return outcome;
}

describe('Class: InvokeTransport', () => {
  const lambda = mockClient(LambdaClient);
  const transport = new InvokeTransport({ functionName: 'a55-reader', lambdaClient: new LambdaClient({}) });

  beforeEach(() => {
    lambda.reset();
  });

  afterAll(() => {
    lambda.restore();
  });

  describe('Method: constructor', () => {
    it('names the function in its description', () => {
      expect(transport.description).toBe(BROKER);
    });

    it('makes a Lambda client with connect and request timeouts in the given region when given none', async () => {
      // Prepare
      const own = new InvokeTransport({ functionName: 'a55-reader', region: 'eu-west-1' });
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: lambdaPayload(brokerToken(CANARY)) });

      // Act
      await own.fetchToken({ minValiditySeconds: 300 });

      // Assess: the client the command went through
      const client = lambda.call(0).thisValue as LambdaClient;
      expect(await client.config.region()).toBe('eu-west-1');
      const handler = client.config.requestHandler as unknown as {
        configProvider: Promise<Record<string, unknown>>;
      };
      expect(await handler.configProvider).toMatchObject({
        connectionTimeout: 2_000,
        requestTimeout: 5_000,
        throwOnRequestTimeout: true,
      });
    });
  });

  describe('Method: fetchToken', () => {
    it.each([
      [{ minValiditySeconds: 300 }, { minValiditySeconds: 300 }],
      [
        { credential: 'production', minValiditySeconds: 0 },
        { credential: 'production', minValiditySeconds: 0 },
      ],
      [
        { minValiditySeconds: 60, rejectedTokenHash: '0123456789abcdef' },
        { minValiditySeconds: 60, rejectedTokenHash: '0123456789abcdef' },
      ],
    ])('sends %j as exactly %j', async (request, payload) => {
      // Prepare
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: lambdaPayload(brokerToken(CANARY)) });

      // Act
      await transport.fetchToken(request);

      // Assess
      const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
      expect(sent?.FunctionName).toBe('a55-reader');
      expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toStrictEqual(payload);
    });

    it.each([
      ['no payload', undefined],
      [
        'a payload that is not JSON',
        Object.assign(new TextEncoder().encode('<html>'), { transformToString: () => '<html>' }),
      ],
    ])('refuses an answer with %s as not JSON', async (_case, Payload) => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, ...(Payload ? { Payload } : {}) });
      const error = await failureOf(transport);
      expect(error).toBeInstanceOf(BrokerResponseInvalid);
      expect(error.message).toBe(`the reader returned a payload that is not JSON (broker: ${BROKER})`);
    });

    it.each([
      ['a JSON string', lambdaPayload('boom')],
      ['null', lambdaPayload(null)],
      ['a numeric errorType', lambdaPayload({ errorType: 7, errorMessage: 'x' })],
      ['no payload', undefined],
    ])(
      'turns a function error with %s into BrokerUnavailable without an errorType',
      async (_case, Payload) => {
        lambda
          .on(InvokeCommand)
          .resolves({ StatusCode: 200, FunctionError: 'Unhandled', ...(Payload ? { Payload } : {}) });
        const error = await failureOf(transport);
        expect(error).toBeInstanceOf(BrokerUnavailable);
        expect(error).toMatchObject({ errorType: undefined, broker: BROKER });
        expect(error.message).toBe(
          `the reader failed with an error payload that names no errorType (broker: ${BROKER})`,
        );
      },
    );

    it('keeps an empty message when the error payload has none, and no Retry-After for other errors', async () => {
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: lambdaPayload({ errorType: 'BadRequest' }),
      });
      const error = await failureOf(transport);
      expect(error).toMatchObject({ name: 'BadRequest', message: ` (broker: ${BROKER})` });
      expect(error).not.toHaveProperty('retryAfterSeconds');
    });

    it("gives TokenUnavailable the contract's Retry-After", async () => {
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: lambdaPayload({ errorType: 'TokenUnavailable', errorMessage: 'no token yet' }),
      });
      const error = await failureOf(transport);
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({ retryAfterSeconds: TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS });
    });

    it.each([
      [
        'a 403 status',
        Object.assign(new Error('Forbidden'), {
          name: 'UnrecognizedClientException',
          $metadata: { httpStatusCode: 403 },
        }),
      ],
      [
        'AccessDeniedException',
        Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: {} }),
      ],
    ])('turns %s into BrokerAccessDenied with the SDK error as its cause', async (_case, sdkError) => {
      lambda.on(InvokeCommand).rejects(sdkError);
      const error = await failureOf(transport);
      expect(error).toBeInstanceOf(BrokerAccessDenied);
      expect(error.message).toBe(
        'not allowed to invoke the reader; grant lambda:InvokeFunction on it (broker.grantRead in CDK): ' +
          `${sdkError.name}: ${sdkError.message} (broker: ${BROKER})`,
      );
      expect(error.cause).toBe(sdkError);
    });

    it('turns any other SDK failure into BrokerUnavailable that says to try again, keeping the cause', async () => {
      const sdkError = Object.assign(new Error('Rate exceeded'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      });
      lambda.on(InvokeCommand).rejects(sdkError);
      const error = await failureOf(transport);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        errorType: 'TooManyRequestsException',
        message: `could not invoke the reader (try again later): TooManyRequestsException: Rate exceeded (broker: ${BROKER})`,
      });
      expect(error.cause).toBe(sdkError);
    });

    it('describes a thrown value that is not an Error, with no errorType', async () => {
      lambda.on(InvokeCommand).callsFake(() => Promise.reject('socket hang up'));
      const error = await failureOf(transport);
      expect(error).toBeInstanceOf(BrokerUnavailable);
      expect(error).toMatchObject({
        errorType: undefined,
        message: `could not invoke the reader (try again later): Error: socket hang up (broker: ${BROKER})`,
      });
      expect(error.cause).toBe('socket hang up');
    });

    it('cuts a long SDK message to 300 characters', async () => {
      lambda
        .on(InvokeCommand)
        .rejects(Object.assign(new Error('x'.repeat(1000)), { name: 'ServiceException' }));
      const error = await failureOf(transport);
      const detail = `ServiceException: ${'x'.repeat(1000)}`.slice(0, 300);
      expect(error.message).toBe(
        `could not invoke the reader (try again later): ${detail}… (broker: ${BROKER})`,
      );
    });
  });
});
