/**
 * A Lambda context object with a real countdown, and capture of everything written to
 * stdout/stderr (where Powertools logs and EMF metrics go), for handler tests.
 */
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { vi } from 'vitest';

/** A context for `functionName` whose remaining time counts down from `timeoutMs`. */
export function lambdaContext(functionName: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Starts capturing process output; `text()` returns all of it, `restore()` stops. */
export function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void record(`${args.join(' ')}\n`));
  const info = vi.spyOn(console, 'info').mockImplementation((...args) => void record(`${args.join(' ')}\n`));
  const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => void record(`${args.join(' ')}\n`));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...args) => void record(`${args.join(' ')}\n`));
  return {
    text: () => chunks.join(''),
    restore: () => {
      for (const spy of [out, err, log, info, warn, error]) spy.mockRestore();
    },
  };
}

/** A Function URL event (payload v2) as Lambda delivers it, with the given request headers. */
export function functionUrlEvent(
  method: string,
  rawPath: string,
  rawQueryString = '',
  headers: Record<string, string> = {},
): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'x.lambda-url.us-east-1.on.aws', ...headers },
    requestContext: {
      accountId: '111122223333',
      apiId: 'x',
      domainName: 'x.lambda-url.us-east-1.on.aws',
      domainPrefix: 'x',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}
