/**
 * A stand-in for the Lambda Runtime API on 127.0.0.1, enough for AWS's runtime interface
 * client (aws-lambda-ric) to run one cold start: it hands out one event on the first
 * `GET /2018-06-01/runtime/invocation/next`, takes the response or error, and holds every
 * later `next` open (the process is killed then). It timestamps both moments, so the bench
 * sees init (process start to the first `next`) and the first invocation (that `next` to
 * its response) from outside the process, as Lambda's REPORT line does. One server per
 * process: a killed process's last `next` must never meet the next process's event.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime';

/** What one cold start did, in ms on this process's clock. */
export interface InvocationTimes {
  /** The first `next`: the runtime and the handler module are initialised. */
  readonly readyAtMs: number;
  /** The response or error was posted. */
  readonly doneAtMs: number;
  /** The function's answer (JSON text), or its error payload. */
  readonly body: string;
  readonly failed: boolean;
}

/** One armed invocation; {@link RuntimeApi.expect} arms it. */
export class RuntimeApi {
  readonly #server: Server;
  #pending:
    | {
        readonly id: string;
        readonly event: string;
        readyAtMs?: number;
        readonly resolve: (times: InvocationTimes) => void;
      }
    | undefined;
  #held: ServerResponse[] = [];
  #sequence = 0;

  private constructor(server: Server) {
    this.#server = server;
    server.on('request', (request, response) => this.#handle(request, response));
  }

  /** Listens on a free port of 127.0.0.1. */
  static async start(): Promise<RuntimeApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RuntimeApi(server);
  }

  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Arms one invocation with `event`; resolves when its answer is posted. */
  expect(event: unknown): Promise<InvocationTimes> {
    return new Promise((resolve) => {
      this.#sequence += 1;
      this.#pending = { id: `bench-${this.#sequence}`, event: JSON.stringify(event), resolve };
    });
  }

  /** Ends held `next` calls (their process is gone) and closes the server. */
  async stop(): Promise<void> {
    this.#release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Drops the `next` calls a finished process left open. */
  #release(): void {
    for (const response of this.#held) response.destroy();
    this.#held = [];
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '';
    const pending = this.#pending;
    if (request.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      if (!pending || pending.readyAtMs !== undefined) {
        this.#held.push(response);
        return;
      }
      pending.readyAtMs = performance.now();
      response.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': pending.id,
        'lambda-runtime-deadline-ms': String(Date.now() + 10_000),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:111122223333:function:bench',
        'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
      });
      response.end(pending.event);
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      const done = pending && url.startsWith(`${PREFIX}/invocation/${pending.id}/`);
      const initError = url === `${PREFIX}/init/error`;
      if (!pending || (!done && !initError)) return;
      this.#pending = undefined;
      const now = performance.now();
      pending.resolve({
        readyAtMs: pending.readyAtMs ?? now,
        doneAtMs: now,
        body,
        failed: initError || url.endsWith('/error'),
      });
    });
  }
}
