/**
 * The three ways a fleet can get its A55 tokens, as simulation strategies:
 * (a) per-process caching as in A55's reference `A55Client`, (b) a read-through DynamoDB
 * cache filled on miss without single-flight, and (c) this broker, which runs the real
 * refresh use case, the real `Reader` and the real `TokenBrokerClient` on the fake clock.
 */
import { TokenBrokerClient } from '../../client/token-broker-client.js';
import type { TokenTransport } from '../../client/transports/transport.js';
import { A55_TOKEN_URL, type RefresherCredentialSet } from '../../contract/index.js';
import { TokenRequestRejected } from '../../lambda/core/errors.js';
import type {
  PutOutcome,
  StateStore,
  StoredToken,
  TokenEndpoint,
  TokenStore,
} from '../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../lambda/core/reader.js';
import { refresh } from '../../lambda/core/refresh.js';
import { rejectedTokenHashOf } from '../../lambda/core/token-hash.js';
import { mayReplace } from '../../lambda/core/token-rules.js';
import { seededRandom, uniform } from '../stats.js';
import type { Recorder, SimContext, Strategy } from './fleet.js';
import { ASYNC_INVOKE_LATENCY_MS, asyncInvoker, SimStateStore } from './self-healing.js';

/** The token and timing rules all strategies share. */
export interface TokenRules {
  /** `expires_in` of every token the endpoint issues (A55: 3600). */
  readonly tokenLifetimeSeconds: number;
  /** Refresh this long before expiry (reference doc: 300; broker client and reader: 300). */
  readonly refreshMarginSeconds: number;
  /** Token endpoint round trip in (b), uniform in [min, max]: the window in which misses stampede. */
  readonly tokenLatencyMinMs: number;
  readonly tokenLatencyMaxMs: number;
  /** (c) The refresher's schedule. */
  readonly refreshIntervalMs: number;
  /** (c) The reader's in-memory cache (READ_CACHE_SECONDS). */
  readonly readerCacheSeconds: number;
}

/** The one credential set simulated: every count is per credential. */
const CREDENTIAL = 'default';

/**
 * (a) Per-process caching, the reference doc's `A55Client`: each container fetches its
 * own token on first use and again once `now >= obtained + expires_in - margin`.
 * The token request is treated as instantaneous (one container never overlaps itself at
 * one call a minute); the expiry counts from the request, as the broker's does.
 */
export function perProcessCaching(rules: TokenRules) {
  return ({ recorder }: SimContext): Strategy => {
    const tokenExpiresAt: Array<number | undefined> = [];
    return {
      startContainer: (slot) => {
        tokenExpiresAt[slot] = undefined;
      },
      call: (slot, nowMs) => {
        let expiresAtMs = tokenExpiresAt[slot];
        if (expiresAtMs === undefined || nowMs >= expiresAtMs - rules.refreshMarginSeconds * 1000) {
          recorder.tokenRequest(nowMs);
          expiresAtMs = nowMs + rules.tokenLifetimeSeconds * 1000;
          tokenExpiresAt[slot] = expiresAtMs;
        }
        recorder.apiCall(nowMs, expiresAtMs);
      },
    };
  };
}

/**
 * (b) Read-through DynamoDB cache, filled on miss, no single-flight: every call reads the
 * item (no in-memory cache); when it is missing or within the margin of expiry, the
 * container fetches a token itself and writes it (unconditional put: last writer wins).
 * Every call that lands while a fetch is in flight misses too: the stampede.
 */
export function readThroughCache(rules: TokenRules) {
  return ({ recorder, queue, params }: SimContext): Strategy => {
    const latencyRandom = seededRandom(params.seed ^ 0x5bd1e995);
    let item: { expiresAtMs: number } | undefined;
    return {
      startContainer: () => undefined,
      call: (_slot, nowMs) => {
        recorder.dynamoRead(nowMs);
        if (item && item.expiresAtMs - nowMs > rules.refreshMarginSeconds * 1000) {
          recorder.apiCall(nowMs, item.expiresAtMs);
          return;
        }
        recorder.tokenRequest(nowMs);
        const fetched = { expiresAtMs: nowMs + rules.tokenLifetimeSeconds * 1000 };
        const doneMs = nowMs + uniform(latencyRandom, rules.tokenLatencyMinMs, rules.tokenLatencyMaxMs);
        queue.schedule(doneMs, () => {
          recorder.dynamoWrite(doneMs);
          item = fetched;
          // The API call waited for its own token.
          recorder.apiCall(doneMs, fetched.expiresAtMs);
        });
      },
    };
  };
}

/**
 * (c) This broker: the real `refresh` use case on a 50-minute schedule (plus the deploy-time
 * refresh) against a counting token endpoint, the real `Reader` (30 s cache, serves
 * only with more than `minValiditySeconds` left) over an in-memory store, and one real
 * `TokenBrokerClient` per container (refreshes at expiresAt - 300 s), all on the fake clock.
 * One reader instance serves the fleet: its cache then saves the most DynamoDB reads, so
 * that count is a lower bound (each reader container adds at most one read per 30 s).
 */
export function tokenBroker(rules: TokenRules, scenario: BrokerScenario = {}) {
  return (context: SimContext): Strategy => {
    const { recorder, queue, clock, params, startMs } = context;
    const random = seededRandom(params.seed + 1);
    const store = new SimTokenStore(clock.now, recorder);
    const endpoint = countingEndpoint(
      clock.now,
      recorder,
      rules.tokenLifetimeSeconds,
      scenario.secretRejectedFromMs,
    );
    const state = scenario.selfHealing ? new SimStateStore(clock, recorder) : SIM_STATE_STORE;
    const set: RefresherCredentialSet = {
      name: CREDENTIAL,
      tokenUrl: A55_TOKEN_URL,
      clientAuth: 'client_secret_post',
      secretId: 'simulated',
    };
    const noSleep = (): Promise<void> => Promise.reject(new Error('the simulation never waits'));
    const invoke = asyncInvoker(context, (reason) =>
      refresh(
        { set, reason },
        {
          credentials: { getCredentials: async () => ({ clientId: 'sim', clientSecret: 'sim' }) },
          endpoint,
          store,
          state,
          clock,
          sleep: noSleep,
          random,
        },
        { deadlineMs: clock.nowMs + 60_000 },
      ),
    );
    // The deploy-time custom resource stores a token before the schedule's first run.
    queue.schedule(startMs, () => invoke('deploy'));
    const phaseMs = random() * rules.refreshIntervalMs;
    const scheduleRefresh = (atMs: number): void =>
      queue.schedule(atMs, () => {
        scheduleRefresh(atMs + rules.refreshIntervalMs);
        return invoke('schedule');
      });
    scheduleRefresh(startMs + phaseMs);

    const reader = new Reader({
      store,
      state,
      clock,
      credentialNames: [CREDENTIAL],
      cacheSeconds: rules.readerCacheSeconds,
      // The reader's async Invoke: the refresher runs a moment later, the read does not wait.
      trigger: scenario.selfHealing
        ? {
            trigger: async (_credential, reason) => {
              recorder.refreshRequest(clock.nowMs);
              queue.schedule(clock.nowMs + ASYNC_INVOKE_LATENCY_MS, () => invoke(reason));
            },
          }
        : undefined,
    });
    if (scenario.extraCaller) startExtraCaller(context, reader, scenario.extraCaller);
    const transport: TokenTransport = {
      description: 'simulated reader',
      fetchToken: async (request) => {
        recorder.brokerInvocation(clock.nowMs);
        // What the read handler does with an invoke payload; a token request answers a TokenView.
        return (await reader.serve({ ...request })) as TokenView;
      },
    };
    const clients: TokenBrokerClient[] = [];
    return {
      startContainer: (slot) => {
        clients[slot] = new TokenBrokerClient({
          transport,
          credential: CREDENTIAL,
          minValiditySeconds: rules.refreshMarginSeconds,
          // A refusal is counted as a failed call instead of being retried on the fake clock.
          retryDeadlineMs: 0,
          clock: { now: clock.now, sleep: noSleep },
        });
      },
      call: async (slot, nowMs) => {
        const client = clients[slot] as TokenBrokerClient;
        try {
          const token = await client.getTokenDetails();
          recorder.apiCall(nowMs, Date.parse(token.expiresAt));
        } catch {
          recorder.failedCall(nowMs);
        }
      },
    };
  };
}

/** What a scenario changes in (c), on top of the fleet; see ./scenarios.ts. */
export interface BrokerScenario {
  /**
   * The reader asks the refresher for tokens: real claims on a simulated state item, an
   * async invoke with Lambda's retries. Off in the fleet comparison, where the schedule
   * always leaves a token with more than 300 s, so it never triggers.
   */
  readonly selfHealing?: boolean;
  /** From this time on the token endpoint answers 401 invalid_client: a rejected secret. */
  readonly secretRejectedFromMs?: number;
  /** One more caller that invokes the reader directly, without a client cache. */
  readonly extraCaller?: ExtraCaller;
}

/** A caller invoking the reader every `everyMs` from the start of the simulation. */
export interface ExtraCaller {
  readonly everyMs: number;
  readonly minValiditySeconds: number;
  /** It reports every token it is served as rejected on its next read (`rejectedTokenHash`). */
  readonly rejectsEveryToken?: boolean;
}

function startExtraCaller(
  { queue, clock, recorder, startMs }: SimContext,
  reader: Reader,
  caller: ExtraCaller,
) {
  let rejectedTokenHash: string | undefined;
  const read = async (): Promise<void> => {
    queue.schedule(clock.nowMs + caller.everyMs, read);
    recorder.brokerInvocation(clock.nowMs);
    try {
      const view = (await reader.serve({
        minValiditySeconds: caller.minValiditySeconds,
        ...(rejectedTokenHash === undefined ? {} : { rejectedTokenHash }),
      })) as TokenView;
      if (caller.rejectsEveryToken) rejectedTokenHash = rejectedTokenHashOf(view.accessToken);
      recorder.extraCallerRead(clock.nowMs, true);
    } catch {
      recorder.extraCallerRead(clock.nowMs, false);
    }
  };
  queue.schedule(startMs + caller.everyMs, read);
}

/**
 * The token endpoint as the refresher sees it: answers at once, counts every request; from
 * `rejectsFromMs` on it refuses the client credentials as Cognito does (401 invalid_client).
 */
function countingEndpoint(
  now: () => number,
  recorder: Recorder,
  expiresIn: number,
  rejectsFromMs = Number.POSITIVE_INFINITY,
): TokenEndpoint {
  let issued = 0;
  return {
    requestToken: async ({ credential }) => {
      recorder.tokenRequest(now());
      if (now() >= rejectsFromMs) {
        recorder.rejectedTokenRequest(now());
        throw new TokenRequestRejected(
          credential,
          401,
          'invalid_client',
          'the simulated secret was rejected',
        );
      }
      issued += 1;
      return { body: { access_token: `sim-token-${issued}`, token_type: 'Bearer', expires_in: expiresIn } };
    },
  };
}

/**
 * The state item, not simulated in the fleet comparison: its writes are one per refresh
 * and its reads only serve the status answer, so they change no count it compares (the
 * scenarios simulate it: ./self-healing.ts).
 */
const SIM_STATE_STORE: StateStore = {
  get: async () => ({}),
  recordFailure: async () => undefined,
  recordSuccess: async () => undefined,
  claimRefreshRequest: async () => false,
};

/** The DynamoDB token store in memory, with its conditional-write rule, counting reads and writes. */
class SimTokenStore implements TokenStore {
  readonly #items = new Map<string, StoredToken>();

  constructor(
    private readonly now: () => number,
    private readonly recorder: Recorder,
  ) {}

  async get(credential: string): Promise<StoredToken | undefined> {
    this.recorder.dynamoRead(this.now());
    return this.#items.get(credential);
  }

  async put(token: StoredToken, nowMs: number = this.now()): Promise<PutOutcome> {
    this.recorder.dynamoWrite(this.now());
    const stored = this.#items.get(token.credential);
    if (stored && !mayReplace(stored, token, nowMs / 1000)) return { result: 'superseded', kept: stored };
    this.#items.set(token.credential, token);
    return { result: 'written' };
  }
}
