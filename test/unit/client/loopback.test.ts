/**
 * Plain http only to the loopback host, in both places the client sends something a
 * network observer must not see: the A55 client (the Bearer token) and the URL transport
 * (SigV4-signed or unsigned token reads, and the token in the answer). Both ask the
 * contract's loopback rule (contract/loopback.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { A55Client, ClientConfigError, TokenBrokerClient, UrlTransport } from '../../../client/index.js';
import { brokerToken, CANARY, ScriptedTransport } from './fakes.js';

/** DNS names that merely look like loopback: the request would leave the host in clear. */
const REMOTE_LOOKALIKES = [
  'http://127.attacker.example/api/v1',
  'http://127.0.0.1.attacker.example/api/v1',
  'http://127.0.0.1.nip.io/api/v1',
  'http://localhost.attacker.example/api/v1',
  'http://[::ffff:127.0.0.1]/api/v1',
];

/** Loopback in the spellings the URL parser normalizes. */
const LOOPBACK = [
  'http://127.0.0.1:8080/api/v1',
  'http://127.0.0.2/api/v1',
  'http://[::1]:8080/api/v1',
  'http://localhost/api/v1',
];

/** A fetch that answers every call with `body` and records the URLs. */
function recordingFetch(body: unknown) {
  return vi.fn(async (_url: Parameters<typeof fetch>[0], _init?: RequestInit) => Response.json(body));
}

describe('Class: A55Client', () => {
  const broker = new TokenBrokerClient({ transport: new ScriptedTransport(brokerToken(CANARY)) });

  it.each(REMOTE_LOOKALIKES)('refuses the base URL %s: the Bearer token would travel in clear', (baseUrl) => {
    const fetch = recordingFetch({});
    expect(() => new A55Client({ broker, baseUrl, fetch })).toThrow(
      new ClientConfigError(
        `A55 baseUrl '${new URL(baseUrl).origin}' must use https: the Bearer token must not travel unencrypted`,
      ),
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each(LOOPBACK)('sends to the loopback base URL %s', async (baseUrl) => {
    // Prepare
    const fetch = recordingFetch({ ok: true });
    const a55 = new A55Client({ broker, baseUrl, fetch });

    // Act
    const answer = await a55.request('GET', '/wallets');

    // Assess
    expect(answer).toEqual({ ok: true });
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${new URL(baseUrl).origin}/api/v1/wallets`);
  });
});

describe('Class: UrlTransport', () => {
  it.each(REMOTE_LOOKALIKES)('refuses plain http to %s', (url) => {
    const fetch = recordingFetch(brokerToken(CANARY));
    expect(() => new UrlTransport({ url, fetch, signing: 'none' })).toThrow(
      new ClientConfigError(
        `token broker url '${new URL(url).origin}' uses plain http to a remote host: tokens would travel unencrypted; use https`,
      ),
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each(LOOPBACK)('reads tokens over plain http from %s', async (url) => {
    // Prepare
    const fetch = recordingFetch(brokerToken(CANARY));
    const transport = new UrlTransport({ url, fetch, signing: 'none' });

    // Act
    const token = await transport.fetchToken({ minValiditySeconds: 300 });

    // Assess
    expect(token.accessToken).toBe(CANARY);
    expect(String(fetch.mock.calls[0]?.[0])).toBe(
      `${new URL(url).origin}/api/v1/token?minValiditySeconds=300`,
    );
  });
});
