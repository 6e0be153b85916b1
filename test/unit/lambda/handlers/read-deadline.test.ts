/**
 * Reader deadlines through the handler (issue #11, item 9): a DynamoDB that never answers
 * is given up on before the Lambda timeout, answered InternalError and counted ReadFailed,
 * on both faces; the SDK call is aborted, not left running into the next invocation.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, functionUrlEvent, lambdaContext } from '../../../fakes/lambda-context.js';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

describe('Handler: read (deadline)', () => {
  const dynamodb = mockClient(DynamoDBClient);
  let handler: Handler;
  let output: ReturnType<typeof captureOutput>;
  let signals: Array<AbortSignal | undefined>;

  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    ({ handler } = (await import('../../../../lambda/handlers/read.js')) as unknown as { handler: Handler });
  });

  beforeEach(() => {
    dynamodb.reset();
    signals = [];
    // A GetItem that never answers, as a hung connection whose retries outlast the function;
    // it notes the abort signal the SDK was given.
    const send = DynamoDBClient.prototype.send;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
      this: DynamoDBClient,
      command: unknown,
      options?: unknown,
    ) {
      signals.push((options as { abortSignal?: AbortSignal } | undefined)?.abortSignal);
      return (send as (command: unknown, options?: unknown) => Promise<unknown>).call(this, command, options);
    } as typeof send);
    dynamodb.on(GetItemCommand).callsFake(() => new Promise(() => undefined));
    dynamodb.on(UpdateItemCommand).callsFake(() => new Promise(() => undefined));
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    vi.restoreAllMocks();
  });

  it('answers InternalError and counts ReadFailed before the function times out (invoke)', async () => {
    // Prepare: 1.5 s left of the function's time
    const started = Date.now();

    // Act
    const error = await handler({}, lambdaContext('reader', 1_500)).catch((caught: Error) => caught);

    // Assess
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ name: 'InternalError', message: 'internal error; see the reader logs' });
    expect(elapsed).toBeLessThan(1_200);
    expect(output.text()).toContain('"ReadFailed"');
    expect(output.text()).toContain('read failed');
    expect(output.text()).toContain("did not answer before the reader's deadline");
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((signal) => signal?.aborted === true)).toBe(true);
  });

  it('answers a bare 500 before the function times out (Function URL)', async () => {
    const started = Date.now();
    const answer = (await handler(functionUrlEvent('GET', '/token'), lambdaContext('reader', 1_500))) as {
      statusCode: number;
      body: string;
    };
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'InternalError',
      message: 'internal error; see the reader logs',
    });
    expect(output.text()).toContain('"ReadFailed"');
  });

  it('bounds the status answer the same way', async () => {
    const started = Date.now();
    const error = await handler({ action: 'status' }, lambdaContext('reader', 1_500)).catch(
      (caught: Error) => caught,
    );
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(error).toMatchObject({ name: 'InternalError' });
  });
});
