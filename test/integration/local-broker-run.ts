/**
 * Runs the local broker as a child process with the very command of package.json's
 * `start` script, collects its --json lines, and checks that a stopped broker left
 * nothing behind. For test/integration/local-broker.test.ts.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';

/** `npm start`'s command line, e.g. `node --import tsx bin/local-broker.ts`. */
export const START_SCRIPT = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
).scripts.start;

/** How a test starts the broker: the start script itself, or under `sh -c` as npm runs it. */
export type Launch = 'direct' | 'shell';

/** One JSON log line of the broker. */
export type LogLine = Record<string, unknown> & { event: string };

/** A broker child process and what it printed. */
export interface BrokerRun {
  readonly child: ChildProcess;
  readonly startedAt: number;
  readonly lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line matching `predicate`, waiting up to `timeoutMs`. */
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the broker's stdout closes (it exited, whoever its parent was). */
  closed: Promise<void>;
}

/** Variables that would switch the child to a real endpoint; removed unless a test sets them. */
const CREDENTIAL_VARIABLES = [
  'TOKEN_URL',
  'CLIENT_ID',
  'CLIENT_SECRET',
  'SCOPE',
  'CLIENT_AUTH',
  'CREDENTIAL_NAME',
];

/**
 * Spawns the broker with `args` (no shell quoting: keep them plain); the credential
 * variables of this process are not passed on.
 */
export function startBroker(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  launch: Launch = 'direct',
): BrokerRun {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CREDENTIAL_VARIABLES) delete childEnv[name];
  Object.assign(childEnv, env);
  const [program, ...scriptArgs] = START_SCRIPT.split(' ');
  expect(program).toBe('node');
  const options: SpawnOptions = { cwd: process.cwd(), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] };
  const child: ChildProcess =
    launch === 'shell'
      ? spawn('sh', ['-c', [START_SCRIPT, ...args].join(' ')], options)
      : spawn(process.execPath, [...scriptArgs, ...args], options);
  let out = '';
  let err = '';
  // The broker's stdout, not the child's exit: under `sh -c` the shell may go first.
  let closed = false;
  child.stdout?.once('close', () => {
    closed = true;
  });
  const lines: LogLine[] = [];
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const complete = out.split('\n').slice(0, -1);
    lines.length = 0;
    for (const text of complete) {
      if (text.startsWith('{')) lines.push(JSON.parse(text) as LogLine);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    startedAt: Date.now(),
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    closed: child.stdout ? once(child.stdout, 'close').then(() => undefined) : Promise.resolve(),
    waitFor: async (predicate, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) return found;
        if (closed || Date.now() > deadline) {
          throw new Error(`broker line not seen; stdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

/** True while `pid` is alive; a zombie (exited, not yet reaped by its new parent) counts as gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // The state follows the parenthesised command name: `123 (java) Z ...`.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function refusesConnections(url: string): Promise<boolean> {
  return fetch(url).then(
    () => false,
    () => true,
  );
}

/**
 * Sends `signal` to the child (the broker itself, or the shell it runs under) and checks
 * the broker stopped cleanly: its last line is `stopped`, it exited 0 when it was the
 * child, and neither it, nor its java process (if any), nor any of its listeners is left.
 */
export async function stopAndCheck(
  run: BrokerRun,
  ready: LogLine,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<LogLine> {
  // Absent with the in-process store (no java).
  const dynamoDb = ready.dynamoDb as { endpoint: string; pid: number } | undefined;
  run.child.kill(signal);
  const stopping = await run.waitFor((line) => line.event === 'stopping');
  await run.waitFor((line) => line.event === 'stopped');
  const exit = await run.exited;
  if (run.child.pid === ready.pid) expect(exit).toEqual({ code: 0, signal: null });
  await run.closed;
  // The broker has closed its stdout; give the kernel a moment to reap it.
  await expect.poll(() => isRunning(ready.pid as number), { timeout: 2_000 }).toBe(false);
  if (dynamoDb) expect(isRunning(dynamoDb.pid)).toBe(false);
  expect(await refusesConnections(`${ready.readerUrl}/status`)).toBe(true);
  if (dynamoDb) expect(await refusesConnections(dynamoDb.endpoint)).toBe(true);
  return stopping;
}

/** One answer as {@link rawGet} got it. */
export interface RawAnswer {
  readonly status: number | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * `GET path` to the broker at `url` with exactly `headers` (node:http: fetch cannot set
 * Host, and sends no request without one), as a browser or a crafted client would.
 */
export async function rawGet(url: string, path: string, headers: Record<string, string>): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const request = httpRequest({ host: hostname, port, path, headers, setHost: false });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode, headers: response.headers, body };
}

/** `headers` with every `PORT` replaced by the port of `url`. */
export function withPort(headers: Record<string, string>, url: string): Record<string, string> {
  const { port } = new URL(url);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, value.replaceAll('PORT', port)]),
  );
}

/** Sends `text` on a new TCP connection to 127.0.0.1:`port`; resolves with all it got back. */
export async function rawExchange(port: number, text: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.end(text);
  let answer = '';
  for await (const chunk of socket) answer += String(chunk);
  return answer;
}
