/**
 * A thin wrapper in front of the OAuth server's request listener: it counts and records
 * token requests, and can answer the next ones with a failure instead of passing them on
 * (HTTP status, dropped connection, no answer, delay). Everything else goes straight to
 * the real provider. test/support/oauth-server.ts installs it through the embedded
 * server's `wrapRequestListener` hook, so the local broker's server never sees it.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** What the gate does with one token request instead of (or before) passing it on. */
export type TokenFault =
  | {
      /** Answer with this status and body; the provider never sees the request. */
      readonly type: 'status';
      readonly status: number;
      /** Sent as the `Retry-After` header when set (seconds or an HTTP date). */
      readonly retryAfter?: number | string;
      /** @default `{"error":"temporarily_unavailable","error_description":"injected failure"}` */
      readonly body?: string;
      /** @default 'application/json' */
      readonly contentType?: string;
    }
  /** Destroy the connection without answering (the client sees a network error). */
  | { readonly type: 'reset' }
  /** Never answer; the request stays open until the client aborts or the server stops. */
  | { readonly type: 'hang' }
  /** Wait, then let the provider answer normally (for client timeouts). */
  | { readonly type: 'delay'; readonly ms: number };

/** One POST to the token path, as the gate saw it. */
export interface TokenRequestRecord {
  /** Epoch milliseconds when the request arrived. */
  readonly at: number;
  /** True when an `Authorization: Basic` header was sent (client_secret_basic). */
  readonly basicAuth: boolean;
  /** The fault applied, when one was. */
  readonly fault?: TokenFault['type'];
  /** HTTP status answered; undefined while in flight or when no answer was sent. */
  status?: number;
  /** The authenticated client, else the `client_id` sent; set once the provider has parsed the request. */
  clientId?: string;
  /** The `grant_type` parameter, once parsed. */
  grantType?: string;
  /**
   * The `scope` parameter, once parsed. Without a resource indicator (opaque mode)
   * oidc-provider has already dropped the scopes it does not know at that point.
   */
  scope?: string;
}

/** Counts token requests and injects faults in front of a request listener. */
export class TokenRequestGate {
  /** Every token request since start or the last {@link reset}, oldest first. */
  readonly records: TokenRequestRecord[] = [];
  readonly #tokenPath: string;
  readonly #next: RequestListener;
  readonly #faults: TokenFault[] = [];
  readonly #byRequest = new WeakMap<IncomingMessage, TokenRequestRecord>();

  constructor(tokenPath: string, next: RequestListener) {
    this.#tokenPath = tokenPath;
    this.#next = next;
  }

  /** The node request listener to install on the http server. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST' || pathOf(req) !== this.#tokenPath) {
      this.#next(req, res);
      return;
    }
    const fault = this.#faults.shift();
    const record: TokenRequestRecord = {
      at: Date.now(),
      basicAuth: /^basic /i.test(req.headers.authorization ?? ''),
      ...(fault ? { fault: fault.type } : {}),
    };
    this.records.push(record);
    this.#byRequest.set(req, record);
    res.once('finish', () => {
      record.status = res.statusCode;
    });
    this.#apply(fault, req, res);
  };

  /** Applies `fault` to the next `count` token requests (queued after any pending ones). */
  failNext(count: number, fault: TokenFault): void {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Forgets the records and any pending faults. */
  reset(): void {
    this.records.length = 0;
    this.#faults.length = 0;
  }

  /** The record of a token request in flight, for the provider middleware to annotate. */
  recordOf(req: IncomingMessage): TokenRequestRecord | undefined {
    return this.#byRequest.get(req);
  }

  #apply(fault: TokenFault | undefined, req: IncomingMessage, res: ServerResponse): void {
    switch (fault?.type) {
      case undefined:
        this.#next(req, res);
        return;
      case 'delay':
        setTimeout(() => this.#next(req, res), fault.ms);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        // Drain the body so the client's upload completes and it waits for an answer.
        req.resume();
        return;
      case 'status': {
        req.resume();
        const headers: Record<string, string> = {
          'content-type': fault.contentType ?? 'application/json',
          'cache-control': 'no-store',
        };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        res.writeHead(fault.status, headers);
        res.end(fault.body ?? '{"error":"temporarily_unavailable","error_description":"injected failure"}');
        return;
      }
    }
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
