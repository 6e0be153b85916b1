import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBrokerError } from '../../../local/errors.js';
import { listenReader, type ReaderHttpServer } from '../../../local/http-server.js';

describe('Function: listenReader', () => {
  let reader: ReaderHttpServer | undefined;
  afterEach(async () => {
    await reader?.stop();
    reader = undefined;
  });

  it('hands the handler a Function URL event and answers with its result', async () => {
    // Prepare
    reader = await listenReader(0);
    const events: unknown[] = [];
    reader.serve(async (event) => {
      events.push(event);
      return { statusCode: 418, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    });

    // Act
    const response = await fetch(`${reader.url}/token?credential=a%2Db&x`, { headers: { 'x-test': '1' } });

    // Assess
    expect(reader.url).toBe(`http://127.0.0.1:${reader.port}`);
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ ok: true });
    expect(events[0]).toMatchObject({
      version: '2.0',
      rawPath: '/token',
      rawQueryString: 'credential=a%2Db&x',
      headers: { 'x-test': '1' },
      requestContext: { http: { method: 'GET', path: '/token' } },
    });
  });

  it('refuses a request for another Host before the handler sees it, and says so', async () => {
    // Prepare
    const refused: string[] = [];
    reader = await listenReader(0, { onRefused: (message) => refused.push(message) });
    const events: unknown[] = [];
    reader.serve(async (event) => {
      events.push(event);
      return { statusCode: 200, body: 'token' };
    });

    // Act
    const answer = await get(reader.port, { host: `attacker.example:${reader.port}` });

    // Assess
    expect(answer.status).toBe(421);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(answer.body)).toEqual({ error: 'MisdirectedRequest', message: expect.any(String) });
    expect(events).toEqual([]);
    expect(refused).toEqual([expect.stringContaining("Host 'attacker.example:")]);
  });

  it('holds requests until a handler is installed', async () => {
    reader = await listenReader(0);
    const pending = fetch(`${reader.url}/status`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    reader.serve(async () => ({ statusCode: 200, body: 'late' }));
    expect(await (await pending).text()).toBe('late');
  });

  it('answers 502 like a Function URL when the handler throws', async () => {
    reader = await listenReader(0);
    reader.serve(async () => {
      throw new Error('internal');
    });
    const response = await fetch(`${reader.url}/token`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ Message: 'Internal Server Error' });
  });

  it('says a taken port is taken, in one line', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const act = listenReader(port);
      await expect(act).rejects.toBeInstanceOf(LocalBrokerError);
      await expect(act).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
    } finally {
      blocker.close();
    }
  });

  it('stops even with keep-alive connections open, and twice', async () => {
    reader = await listenReader(0);
    reader.serve(async () => ({ statusCode: 200, body: 'x' }));
    await (await fetch(`${reader.url}/status`)).text();
    await reader.stop();
    await reader.stop();
    await expect(fetch(`${reader.url}/status`)).rejects.toThrow();
  });
});

/** A GET with exactly these headers (node:http, which lets a test set Host). */
async function get(port: number, headers: Record<string, string>) {
  const request = httpRequest({ host: '127.0.0.1', port, path: '/token', headers, setHost: false });
  request.end();
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode, headers: response.headers, body };
}
