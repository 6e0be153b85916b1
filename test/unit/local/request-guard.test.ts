import { describe, expect, it } from 'vitest';
import { browserRefusal } from '../../../local/request-guard.js';

const PORT = 8787;

describe('Function: browserRefusal', () => {
  it.each([
    ['127.0.0.1:8787', {}],
    ['localhost:8787', {}],
    ['LocalHost:8787', {}],
    ['127.0.0.1:8787', { origin: 'http://127.0.0.1:8787' }],
    ['localhost:8787', { origin: 'http://localhost:8787' }],
    ['127.0.0.1:8787', { 'sec-fetch-site': 'same-origin' }],
    ['127.0.0.1:8787', { 'sec-fetch-site': 'none' }],
  ])('lets Host %s with %j through', (host, headers) => {
    expect(browserRefusal({ host, ...headers }, PORT)).toBeUndefined();
  });

  it.each([
    ['attacker.example:8787'],
    ['attacker.example'],
    ['127.0.0.1'],
    ['127.0.0.1:9999'],
    ['localhost'],
    ['127.0.0.1:8787.attacker.example'],
    ['[::1]:8787'],
    ['0.0.0.0:8787'],
    [undefined],
  ])('refuses Host %s with 421 MisdirectedRequest naming the rule (DNS rebinding)', (host) => {
    // Act
    const refusal = browserRefusal(host === undefined ? {} : { host }, PORT);

    // Assess
    expect(refusal).toMatchObject({ status: 421, error: 'MisdirectedRequest' });
    expect(refusal?.message).toContain('only requests for http://127.0.0.1:8787 or http://localhost:8787');
  });

  it.each([
    [{ origin: 'https://attacker.example' }, 'Origin'],
    [{ origin: 'null' }, 'Origin'],
    [{ origin: 'http://localhost:3000' }, 'Origin'],
    [{ origin: 'http://127.0.0.1:8787.attacker.example' }, 'Origin'],
    [{ 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site'],
    [{ 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site'],
  ])('refuses %j with 403 Forbidden naming %s', (headers, rule) => {
    // Act
    const refusal = browserRefusal({ host: '127.0.0.1:8787', ...headers }, PORT);

    // Assess
    expect(refusal).toMatchObject({ status: 403, error: 'Forbidden' });
    expect(refusal?.message).toContain(rule);
    expect(refusal?.message).toContain('web page');
  });

  it('quotes a refused value clipped and without control characters', () => {
    const refusal = browserRefusal({ host: `evil\n${'x'.repeat(300)}` }, PORT);
    expect(refusal?.message).not.toContain('\n');
    expect(refusal?.message.length).toBeLessThan(400);
  });
});
