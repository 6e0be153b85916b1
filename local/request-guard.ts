/**
 * The local broker answers programs on this machine, never web pages. It has no SigV4, so
 * a browser that reaches it could read real tokens (when real credentials are configured):
 * through DNS rebinding (a page on `attacker.example` whose name now resolves to
 * 127.0.0.1: the browser sends `Host: attacker.example:PORT` and treats the answer as
 * same-origin), or from a page of another origin or site. Programs (curl, the clients,
 * the SDKs) send `Host: 127.0.0.1:PORT` and no `Origin` or `Sec-Fetch-Site`; browsers
 * always send `Host`, and `Origin` / `Sec-Fetch-Site` on the requests a page makes.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request is not answered, as the HTTP answer says it. */
export interface BrowserRefusal {
  readonly status: 403 | 421;
  readonly error: 'Forbidden' | 'MisdirectedRequest';
  readonly message: string;
}

/** `Sec-Fetch-Site` values of a request a page of this very origin, or the user, made. */
const SAME_ORIGIN_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * The refusal for a request that a web page may have made, if any: a `Host` other than
 * `127.0.0.1:PORT` or `localhost:PORT` (also a missing one) is 421; an `Origin` other than
 * those two origins, or `Sec-Fetch-Site: cross-site | same-site`, is 403.
 * @param port the port the reader listens on.
 */
export function browserRefusal(headers: IncomingHttpHeaders, port: number): BrowserRefusal | undefined {
  const authorities = [`127.0.0.1:${port}`, `localhost:${port}`];
  const origins = authorities.map((authority) => `http://${authority}`);
  const host = headers.host?.toLowerCase();
  if (host === undefined || !authorities.includes(host)) {
    return {
      status: 421,
      error: 'MisdirectedRequest',
      message:
        `the local broker answers only requests for ${origins.join(' or ')} ` +
        `(Host ${quoted(headers.host)}): a web page must not reach it through another name (DNS rebinding)`,
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !origins.includes(origin.toLowerCase())) {
    return {
      status: 403,
      error: 'Forbidden',
      message:
        `the local broker does not answer a web page of another origin (Origin ${quoted(origin)}): ` +
        'only programs on this machine may read its tokens',
    };
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !SAME_ORIGIN_FETCH_SITES.has(site.toLowerCase())) {
    return {
      status: 403,
      error: 'Forbidden',
      message:
        `the local broker does not answer a web page of another site (Sec-Fetch-Site ${quoted(site)}): ` +
        'only programs on this machine may read its tokens',
    };
  }
  return undefined;
}

/** A header value as a message may show it: printable ASCII only, clipped, or "absent". */
function quoted(value: string | undefined): string {
  if (value === undefined) return 'absent';
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `'${printable.length > 100 ? `${printable.slice(0, 100)}…` : printable}'`;
}
