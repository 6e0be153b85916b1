/**
 * Fakes for the client's unit tests: a clock that only moves when told (or when the code
 * under test sleeps on it), a transport whose answers a test scripts, invoke payloads
 * shaped like the SDK's, and a port nothing listens on.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { Clock } from '../../../client/clock.js';
import type { BrokerToken, TokenRequest, TokenTransport } from '../../../client/transports/transport.js';

/** A token canary: if it shows up in an error or a log, something leaks tokens. */
export const CANARY = 'canary-token-7f3a9c';

/** A manual clock; `sleep` advances it at once and records the wait. */
export function fakeClock(startMs = Date.parse('2026-11-27T12:00:00Z')): Clock & {
  advance(ms: number): void;
  readonly sleeps: number[];
} {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
}

/**
 * A clock on a virtual timeline for tests with many callers at different times: `sleep`
 * waits until `runFor` moves time past its end, so concurrent waits overlap as they
 * would on the system clock, and a whole minute runs in milliseconds.
 */
export function timelineClock(startMs = Date.parse('2026-11-27T12:00:00Z')): Clock & {
  /** Moves time forward by `ms`, waking each sleeper at its due time, in order. */
  runFor(ms: number): Promise<void>;
  /** Milliseconds since the start. */
  elapsed(): number;
} {
  let now = startMs;
  const timers: { at: number; wake: () => void }[] = [];
  // Lets every promise chain that woke up run (and perhaps sleep again) before time moves on.
  const settle = async () => {
    for (let round = 0; round < 20; round++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + Math.max(0, ms), wake })),
    elapsed: () => now - startMs,
    runFor: async (ms) => {
      const end = now + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (next === undefined || next.at > end) break;
        timers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

/** A success view the way the reader makes it. */
export function brokerToken(accessToken: string, expiresIn = 3000, credential = 'sandbox'): BrokerToken {
  return {
    credential,
    accessToken,
    tokenType: 'Bearer',
    expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    expiresIn,
  };
}

/** One scripted answer: a view to return or an error to throw. */
export type ScriptedAnswer = BrokerToken | Error;

/**
 * A transport that answers from a script (the last answer repeats) and counts calls.
 * `hold()` makes calls wait until `release()`, so a test can pile up concurrent callers.
 */
export class ScriptedTransport implements TokenTransport {
  readonly description = 'scripted broker';
  readonly requests: TokenRequest[] = [];
  /** When each call came, by `clock` when one is set. */
  readonly calledAt: number[] = [];
  /** The clock `calledAt` reads; the system clock when unset. */
  clock: Clock | undefined;
  #answers: ScriptedAnswer[];
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(...answers: ScriptedAnswer[]) {
    this.#answers = answers;
  }

  script(...answers: ScriptedAnswer[]): void {
    this.#answers = answers;
  }

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async fetchToken(request: TokenRequest): Promise<BrokerToken> {
    this.requests.push(request);
    this.calledAt.push(this.clock?.now() ?? Date.now());
    await this.#gate;
    const answer = this.#answers.length > 1 ? this.#answers.shift() : this.#answers[0];
    if (answer === undefined) throw new Error('the scripted transport has no answer');
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** A loopback port nothing listens on (bound, then released), for refused connections. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * An invoke Payload as the SDK hands it over: the function's JSON as bytes, with the
 * `transformToString` of the SDK's Uint8ArrayBlobAdapter.
 */
export function lambdaPayload(value: unknown): NonNullable<InvokeCommandOutput['Payload']> {
  const text = JSON.stringify(value);
  return Object.assign(new TextEncoder().encode(text), { transformToString: () => text });
}
