/**
 * The reader's Function URL face on 127.0.0.1 with plain HTTP: each request becomes the
 * payload v2 event Lambda would deliver, so the reader face middleware parses it and
 * shapes the answer (same paths, statuses, headers and JSON bodies). No SigV4: any
 * program that can reach 127.0.0.1 on this machine may read tokens; web pages may not
 * (local/request-guard.ts refuses them before the reader sees the request).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { LocalBrokerError } from './errors.js';
import { browserRefusal } from './request-guard.js';

/** Answers one Function URL event. Must not throw: failures are answers too. */
export type FunctionUrlHandler = (
  event: LambdaFunctionURLEvent,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The listening reader. */
export interface ReaderHttpServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Starts answering; requests that arrived before wait. */
  serve(handler: FunctionUrlHandler): void;
  /** Closes the listener and every open connection. Safe to call twice. */
  stop(): Promise<void>;
}

/** The only address the local broker listens on: tokens must not leave this machine. */
export const LOOPBACK = '127.0.0.1';

/** Options of {@link listenReader}. */
export interface ListenReaderOptions {
  /** Told the message of every request refused as a web page's (wrong Host, foreign Origin). */
  readonly onRefused?: (message: string) => void;
}

/**
 * Listens on 127.0.0.1:`port` (0: a free one) before anything else starts, so a taken
 * port fails in milliseconds rather than after DynamoDB Local has started.
 * @throws LocalBrokerError when the port is taken or not allowed.
 */
export async function listenReader(
  port: number,
  options: ListenReaderOptions = {},
): Promise<ReaderHttpServer> {
  let ready: (handler: FunctionUrlHandler) => void = () => undefined;
  const handlerReady = new Promise<FunctionUrlHandler>((resolve) => {
    ready = resolve;
  });
  let listeningPort = port;
  const server = createServer((request, response) => {
    // Function URLs ignore a GET body; drain it so the connection is not held up.
    request.resume();
    const refusal = browserRefusal(request.headers, listeningPort);
    if (refusal) {
      options.onRefused?.(refusal.message);
      response.writeHead(refusal.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ error: refusal.error, message: refusal.message }));
      return;
    }
    void handlerReady
      .then((handler) => handler(toFunctionUrlEvent(request)))
      .then((result) => {
        response.writeHead(result.statusCode ?? 200, stringHeaders(result.headers));
        response.end(result.body ?? '');
      })
      .catch(() => {
        // What a Function URL answers when the function itself fails.
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ Message: 'Internal Server Error' }));
      });
  });
  await bind(server, port);
  const actual = (server.address() as AddressInfo).port;
  listeningPort = actual;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${LOOPBACK}:${actual}`,
    port: actual,
    serve: (handler) => ready(handler),
    stop: () => {
      stopping ??= close(server);
      return stopping;
    },
  };
}

async function bind(server: Server, port: number): Promise<void> {
  server.listen(port, LOOPBACK);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LocalBrokerError(
        `port ${port} on ${LOOPBACK} is already in use (EADDRINUSE): stop what is using it, ` +
          'or choose another with --port <n> (--port 0 picks a free one)',
        { cause: error },
      );
    }
    if (code === 'EACCES') {
      throw new LocalBrokerError(
        `port ${port} needs privileges (EACCES): choose one above 1023 with --port`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections (curl, fetch) would otherwise hold close() open.
  server.closeAllConnections();
  await closed;
}

/** The payload v2 event Lambda delivers for a Function URL request. */
export function toFunctionUrlEvent(request: IncomingMessage): LambdaFunctionURLEvent {
  const target = request.url ?? '/';
  const query = target.indexOf('?');
  const rawPath = query === -1 ? target : target.slice(0, query);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const domainName = headers.host ?? LOOPBACK;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: query === -1 ? '' : target.slice(query + 1),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local-broker',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? LOOPBACK,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

/** A Lambda response's headers as Node's `writeHead` takes them. */
export function stringHeaders(headers: APIGatewayProxyStructuredResultV2['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name] = String(value);
  return result;
}
