import { describe, expect, it } from 'vitest';
import { TokenRequestRejected } from '../../../lambda/core/errors.js';
import { type BannerInfo, formatBanner, formatMinutes } from '../../../local/banner.js';
import { createJsonReporter, createTextReporter, formatDuration } from '../../../local/reporter.js';

const NOW = new Date(2026, 10, 27, 9, 15, 0).getTime();

const INFO: BannerInfo = {
  readerUrl: 'http://127.0.0.1:8787',
  port: 8787,
  credentials: [
    { name: 'default', tokenUrl: 'http://127.0.0.1:40000/token', clientAuth: 'client_secret_post' },
  ],
  tokenSource: { kind: 'embedded', tokenUrl: 'http://127.0.0.1:40000/token' },
  intervalMinutes: 50,
  store: { kind: 'dynamodb-local' },
  dynamoDb: { endpoint: 'http://127.0.0.1:41000', pid: 4242, tableName: 'a55-token-broker-local' },
  startupMs: 2345,
  pid: 1234,
};

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), now: () => NOW },
  };
}

describe('Function: formatBanner', () => {
  it('shows the endpoints, sets, token source, DynamoDB Local and how to call it', () => {
    const text = formatBanner(INFO).join('\n');
    expect(text).toContain('(pid 1234, ready in 2.3 s)');
    expect(text).toContain(
      'http://127.0.0.1:8787  GET /token?credential=NAME, GET /status (plain HTTP, no SigV4)',
    );
    expect(text).toContain('Credentials  default');
    expect(text).toContain('embedded OAuth2 server http://127.0.0.1:40000/token');
    expect(text).toContain('every 50 min');
    expect(text).toContain(
      'http://127.0.0.1:41000 (DynamoDB Local in memory, table a55-token-broker-local, java pid 4242)',
    );
    expect(text).toContain("curl -s 'http://127.0.0.1:8787/token?credential=default'");
    expect(text).toContain("new TokenBrokerClient({ url: 'http://127.0.0.1:8787', credential: 'default' })");
  });

  it.each([
    [
      'java-not-found',
      'in-process memory (java not found; --store dynamodb-local to require DynamoDB Local)',
    ],
    ['requested', 'in-process memory (--store memory)'],
  ] as const)('says the tokens are kept in this process (%s), without a DynamoDB line', (reason, line) => {
    const { dynamoDb: _, ...withoutDynamoDb } = INFO;
    const text = formatBanner({ ...withoutDynamoDb, store: { kind: 'memory', reason } }).join('\n');
    expect(text).toContain(`  Store        ${line}`);
    expect(text).not.toContain('DynamoDB Local in memory');
  });

  it('lists real sets with their endpoints and auth methods', () => {
    const text = formatBanner({
      ...INFO,
      credentials: [
        { name: 'sandbox', tokenUrl: 'https://a.example/token', clientAuth: 'client_secret_post' },
        {
          name: 'production',
          tokenUrl: 'https://b.example/token',
          clientAuth: 'client_secret_basic',
          scope: 'x',
        },
      ],
      tokenSource: { kind: 'real', origin: 'file creds.json' },
    }).join('\n');
    expect(text).toContain('Credentials  sandbox     https://a.example/token (client_secret_post)');
    expect(text).toContain("production  https://b.example/token (client_secret_basic, scope 'x')");
    expect(text).toContain('client credentials from file creds.json');
  });

  it.each([
    [50, '50 min'],
    [0.5, '30 s'],
    [1.25, '1.25 min'],
  ])('formats %f minutes as %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });
});

describe('Function: createTextReporter', () => {
  it('writes one timestamped line per refresh with the expiry time', () => {
    const { out, streams } = capture();
    const reporter = createTextReporter(streams);
    reporter.refreshed({
      credential: 'default',
      reason: 'deploy',
      outcome: 'written',
      expiresAt: NOW / 1000 + 3600,
      secondsLeft: 3600,
      attempts: 1,
    });
    reporter.refreshFailed({
      credential: 'default',
      reason: 'schedule',
      error: new TokenRequestRejected('default', 401, 'invalid_client', 'check the secret'),
      secondsLeft: 600,
    });
    expect(out).toEqual([
      "09:15:00  refreshed 'default' (at start): token expires 10:15:00 (in 60 min), 1 attempt",
      "09:15:00  refresh of 'default' failed (scheduled): TokenRequestRejected: credential 'default': " +
        'token endpoint rejected the request with HTTP 401 (invalid_client); check the secret; ' +
        'the stored token still has 10 min',
    ]);
  });

  it('writes fatal errors as one line on stderr', () => {
    const { out, err, streams } = capture();
    createTextReporter(streams).fatal('port 8787 is taken');
    expect(err).toEqual(['error: port 8787 is taken']);
    expect(out).toEqual([]);
  });
});

describe('Function: createJsonReporter', () => {
  it('writes one JSON object per line with time, level and event', () => {
    const { out, streams } = capture();
    const reporter = createJsonReporter(streams);
    reporter.ready(INFO);
    reporter.refreshFailed({
      credential: 'default',
      reason: 'deploy',
      error: new Error('boom'),
      secondsLeft: 0,
    });
    const [ready, failed] = out.map((line) => JSON.parse(line));
    expect(ready).toMatchObject({ level: 'info', event: 'ready', port: 8787, dynamoDb: { pid: 4242 } });
    expect(failed).toEqual({
      time: new Date(NOW).toISOString(),
      level: 'error',
      event: 'refresh-failed',
      credential: 'default',
      reason: 'deploy',
      secondsLeft: 0,
      errorName: 'Error',
      errorMessage: 'boom',
    });
  });
});

describe('Function: formatDuration', () => {
  it.each([
    [45, '45 s'],
    [3599, '60 min'],
    [7500, '2 h 5 min'],
  ])('formats %i s as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
