/**
 * A real HTTP server on 127.0.0.1 whose answers a test scripts: statuses, headers,
 * bodies, delays, and broken connections. For token-endpoint behaviour that a
 * well-behaved OAuth server (oidc-provider) never shows.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded request. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What the server does with one request. */
export type ScriptedAnswer = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** A running scripted server. */
export interface ScriptedHttpServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers used in order; the last one repeats. */
  script(...answers: ScriptedAnswer[]): void;
  stop(): Promise<void>;
}

/** Answers `status` with a JSON body. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ScriptedAnswer {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

/** Answers `status` with a raw body. */
export function raw(status: number, body: string, contentType = 'text/plain'): ScriptedAnswer {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };
}

/** Starts a scripted server on a free loopback port. */
export async function startScriptedHttpServer(): Promise<ScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  let answers: ScriptedAnswer[] = [json(500, { error: 'unscripted' })];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(recorded);
    const answer = answers.length > 1 ? (answers.shift() as ScriptedAnswer) : (answers[0] as ScriptedAnswer);
    await answer(recorded, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth2/token`,
    requests,
    script: (...next) => {
      answers = next;
    },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
