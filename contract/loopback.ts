/**
 * The loopback rule: the one place that decides whether plain http may carry a secret or a
 * token to a host. Plain http to any other host would put them on the network in clear, so
 * the configuration (a token endpoint's `tokenUrl`), the client's URL transport and the A55
 * client all ask this module (decision 39).
 */

/** The one host name that means loopback (RFC 6761 section 6.3). */
const LOCALHOST = 'localhost';

/** IPv6's loopback address as WHATWG `URL.hostname` spells it: compressed, in brackets. */
const IPV6_LOOPBACK = '[::1]';

/** A dotted-quad IPv4 literal, the form `URL.hostname` gives every IPv4 host (`127.1` included). */
const IPV4_LITERAL = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True for a loopback host as WHATWG `URL.hostname` spells it: `localhost`, `[::1]` or an
 * IPv4 literal in 127.0.0.0/8. A DNS name that only starts like one (`127.attacker.example`,
 * `127.0.0.1.attacker.example`, `localhost.example`) is a remote host; so is an IPv4-mapped
 * IPv6 address (`[::ffff:7f00:1]`), which is not `::1`.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === LOCALHOST || hostname === IPV6_LOOPBACK) return true;
  const octets = IPV4_LITERAL.exec(hostname);
  if (octets === null || octets[1] !== '127') return false;
  return octets.slice(2).every((octet) => Number(octet) <= 255);
}

/**
 * True when `url` (parsed, so its host is normalized: `http://127.1`, `http://LOCALHOST`,
 * `http://[0:0::1]` all count) points at the loopback host.
 *
 * @example
 * isLoopbackUrl(new URL('http://[::1]:8080/token')); // true
 * isLoopbackUrl(new URL('http://127.attacker.example/api/v1')); // false
 */
export function isLoopbackUrl(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/**
 * True when `url` may carry a secret or a token: https to any host, plain http to the
 * loopback host only (the local broker, stand-ins in tests).
 */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
}
