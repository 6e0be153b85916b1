/**
 * A stand-in for the A55 API on 127.0.0.1: `GET /api/v1/wallets` for any accepted Bearer
 * token, 401 `{"message":"Unauthorized"}` (like the API Gateway in front of A55) for any
 * other. Tests accept and revoke tokens to play expiry and rotation.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in saw it. */
export interface A55Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly status: number;
}

/** A running stand-in. */
export interface A55StandIn {
  /** `http://127.0.0.1:PORT/api/v1`, for `A55Client({ baseUrl })`. */
  readonly baseUrl: string;
  readonly calls: A55Call[];
  /** Tokens the API takes; everything else gets a 401 (unless {@link acceptOthers}). */
  readonly acceptedTokens: Set<string>;
  /** Tokens the API refuses even when it takes any other. */
  readonly revokedTokens: Set<string>;
  /** When true, every token not in {@link revokedTokens} is taken (tokens the test cannot know). */
  acceptOthers: boolean;
  stop(): Promise<void>;
}

/** The wallets the stand-in serves. */
export const WALLETS = [{ id: 'wallet-1', currency: 'BRL', balance: 1000 }] as const;

/** Starts the stand-in. */
export async function startA55StandIn(): Promise<A55StandIn> {
  const calls: A55Call[] = [];
  const acceptedTokens = new Set<string>();
  const revokedTokens = new Set<string>();
  const settings = { acceptOthers: false };
  const accepts = (token: string) =>
    acceptedTokens.has(token) || (settings.acceptOthers && !revokedTokens.has(token));
  const server = createServer((request, response) => {
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const answer = (status: number, body: unknown) => {
      calls.push({
        method: request.method ?? '',
        path,
        authorization,
        contentType: request.headers['content-type'],
        status,
      });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (token === undefined || !accepts(token)) return answer(401, { message: 'Unauthorized' });
    if (request.method === 'GET' && path === '/api/v1/wallets') return answer(200, WALLETS);
    return answer(404, { message: 'Not Found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    calls,
    acceptedTokens,
    revokedTokens,
    get acceptOthers() {
      return settings.acceptOthers;
    },
    set acceptOthers(value: boolean) {
      settings.acceptOthers = value;
    },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
