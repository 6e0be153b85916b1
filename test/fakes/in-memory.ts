/**
 * In-memory implementations of the core's ports, for unit tests of the core. The token
 * store is the local broker's in-memory adapter (the conditional put's `mayReplace`), so
 * the core is tested against the same rules the DynamoDB adapter enforces.
 */
import type { RefresherCredentialSet } from '../../contract/index.js';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import type {
  ClientCredentials,
  Clock,
  CredentialSource,
  PutOutcome,
  RawTokenResponse,
  StoredToken,
  TokenEndpoint,
  TokenRequest,
} from '../../lambda/core/ports.js';

/** A clock that only moves when told to; `sleep` advances it. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2026, 10, 27, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  /** A sleep that advances the clock instead of waiting; records each wait. */
  readonly sleeps: number[] = [];
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.advance(ms);
  };
}

/**
 * The local broker's {@link MemoryTokenStore} (the DynamoDB store's write rule, core
 * `mayReplace`), opened up for tests: its items can be seeded and read, calls are
 * counted, and puts can be made to fail.
 */
export class InMemoryTokenStore extends MemoryTokenStore {
  override readonly items = new Map<string, StoredToken>();
  puts = 0;
  gets = 0;
  /** Errors thrown by the next puts, in order. */
  readonly putFailures: Error[] = [];

  override async get(credential: string): Promise<StoredToken | undefined> {
    this.gets++;
    return super.get(credential);
  }

  override async put(token: StoredToken, nowMs = Date.now()): Promise<PutOutcome> {
    this.puts++;
    const failure = this.putFailures.shift();
    if (failure) throw failure;
    return super.put(token, nowMs);
  }
}

/** A {@link CredentialSource} returning settable credentials, or a queued error; counts reads. */
export class FakeCredentialSource implements CredentialSource {
  reads = 0;
  readonly failures: Error[] = [];
  constructor(public credentials: ClientCredentials = { clientId: 'client-1', clientSecret: 'secret-1' }) {}
  async getCredentials(_set: RefresherCredentialSet): Promise<ClientCredentials> {
    this.reads++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    return this.credentials;
  }
}

/** A {@link TokenEndpoint} answering from a script: each entry a body or an error. */
export class ScriptedTokenEndpoint implements TokenEndpoint {
  readonly requests: TokenRequest[] = [];
  constructor(readonly script: Array<unknown | Error> = []) {}
  async requestToken(request: TokenRequest): Promise<RawTokenResponse> {
    this.requests.push(request);
    const next = this.script.shift();
    if (next instanceof Error) throw next;
    if (next === undefined) throw new Error('ScriptedTokenEndpoint: script exhausted');
    return { body: next };
  }
}

/** A credential set for tests. */
export function testCredential(overrides: Partial<RefresherCredentialSet> = {}): RefresherCredentialSet {
  return {
    name: 'default',
    tokenUrl: 'https://auth.example.test/oauth2/token',
    clientAuth: 'client_secret_post',
    secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/default-AbCdEf',
    ...overrides,
  };
}

/** A JWT-shaped token (unsigned) with the given payload. */
export function fakeJwt(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', typ: 'at+jwt' })}.${encode(payload)}.c2lnbmF0dXJl`;
}
