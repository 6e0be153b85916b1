/**
 * A stand-in for a Lambda Function URL on 127.0.0.1: each HTTP request becomes a payload
 * v2 event for the real handler, its result becomes the HTTP answer. With `verify`, it
 * first checks the SigV4 signature as `AuthType: AWS_IAM` does and answers 403
 * `{"Message":"Forbidden"}` (AWS's answer) when it does not hold.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { stringHeaders, toFunctionUrlEvent } from '../../../local/http-server.js';
import { lambdaContext } from '../../fakes/lambda-context.js';
import {
  type ReceivedRequest,
  type Verification,
  type VerifierOptions,
  verifySigV4,
} from './sigv4-verifier.js';

/** A Lambda handler as middy exports it. */
export type UrlHandler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** A running stand-in. */
export interface FunctionUrlServer {
  /** `http://127.0.0.1:PORT/`, like a Function URL with its trailing slash. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** One per request when verifying, in order. */
  readonly verifications: Verification[];
  stop(): Promise<void>;
}

/** Starts the stand-in for `handler`. */
export async function startFunctionUrlServer(
  handler: UrlHandler,
  options: { readonly verify?: Omit<VerifierOptions, 'now'> } = {},
): Promise<FunctionUrlServer> {
  const requests: ReceivedRequest[] = [];
  const verifications: Verification[] = [];
  const server = createServer(async (message, response) => {
    const received = await receive(message);
    requests.push(received);
    if (options.verify) {
      const verification = verifySigV4(received, { ...options.verify, now: new Date() });
      verifications.push(verification);
      if (!verification.valid) {
        response.writeHead(403, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ Message: 'Forbidden' }));
        return;
      }
    }
    try {
      const result = (await handler(functionUrlEvent(message, received), lambdaContext('reader'))) as
        | APIGatewayProxyStructuredResultV2
        | undefined;
      response.writeHead(result?.statusCode ?? 200, stringHeaders(result?.headers));
      response.end(result?.body ?? '');
    } catch {
      // What a Function URL answers when the function itself fails.
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Message: 'Internal Server Error' }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    verifications,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function receive(message: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const target = message.url ?? '/';
  const q = target.indexOf('?');
  return {
    method: message.method ?? 'GET',
    rawPath: q === -1 ? target : target.slice(0, q),
    rawQueryString: q === -1 ? '' : target.slice(q + 1),
    headers: message.headers,
    body: Buffer.concat(chunks),
  };
}

/** The payload v2 event Lambda delivers for a Function URL request (the local broker's conversion), with its body. */
function functionUrlEvent(message: IncomingMessage, received: ReceivedRequest): LambdaFunctionURLEvent {
  return {
    ...toFunctionUrlEvent(message),
    ...(received.body.length === 0 ? {} : { body: received.body.toString('utf8') }),
  };
}
