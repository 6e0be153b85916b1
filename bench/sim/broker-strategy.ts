/**
 * (c) This broker as a simulation strategy: the real `refresh` use case on its schedule (plus
 * the deploy-time refresh, Lambda's async retries and the retry chain of decision 30), the
 * real `Reader` with self-healing (its claims on a simulated state item, its async invoke of
 * the refresher) in a pool of reader execution environments, the reader handler's answer
 * rules (`readerAnswerFor`, then the client's `readerError`, as the Invoke transport maps a
 * FunctionError), and one real `TokenBrokerClient` per container, all on the fake clock.
 */
import { readerError } from '../../client/errors.js';
import { TokenBrokerClient } from '../../client/token-broker-client.js';
import type { TokenTransport } from '../../client/transports/transport.js';
import {
  A55_TOKEN_URL,
  INTERNAL_ERROR_MESSAGE,
  type RefresherCredentialSet,
  type RefreshReason,
  readerAnswerFor,
  TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from '../../contract/index.js';
import type { RetryQueue } from '../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../lambda/core/reader.js';
import { refreshWithRetries } from '../../lambda/core/retry-chain.js';
import { rejectedTokenHashOf } from '../../lambda/core/token-hash.js';
import { seededRandom } from '../stats.js';
import { type EndpointFaults, SimTokenStore, simulatedEndpoint } from './broker-ports.js';
import type { SimContext, Strategy } from './fleet.js';
import { draw, LATENCY_MODEL, READER_IDLE_TIMEOUT_MS } from './latency-model.js';
import { ASYNC_INVOKE_LATENCY_MS, asyncInvoker, SimStateStore } from './self-healing.js';
import type { TokenRules } from './strategies.js';

/** The one credential set simulated: every count is per credential. */
const CREDENTIAL = 'default';

/** What a scenario changes in (c), on top of the fleet; see ./scenarios.ts and ./outage.ts. */
export interface BrokerScenario extends EndpointFaults {
  /** One more caller that invokes the reader directly, without a client cache. */
  readonly extraCaller?: ExtraCaller;
  /** Told the time of every token the refresher writes: how recovery is measured. */
  readonly onTokenStored?: (atMs: number) => void;
  /** Told the schedule's first run (the phase), so a scenario can aim at the worst moment. */
  readonly onSchedulePhase?: (firstRunMs: number) => void;
  /** Fixes the schedule's first run instead of a random phase. */
  readonly schedulePhaseMs?: number;
}

/** A caller invoking the reader every `everyMs` from the start of the simulation. */
export interface ExtraCaller {
  readonly everyMs: number;
  readonly minValiditySeconds: number;
  /** It reports every token it is served as rejected on its next read (`rejectedTokenHash`). */
  readonly rejectsEveryToken?: boolean;
}

/** One reader execution environment: its own `Reader` (cache) and when it is free again. */
interface ReaderEnvironment {
  readonly reader: Reader;
  busyUntilMs: number;
  lastUsedMs: number;
}

/** The broker, (c). */
export function tokenBroker(rules: TokenRules, scenario: BrokerScenario = {}) {
  return (context: SimContext): Strategy => {
    const { recorder, queue, clock, params, startMs } = context;
    const random = seededRandom(params.seed + 1);
    const latencyRandom = seededRandom(params.seed ^ 0x1b873593);
    const store = new SimTokenStore(clock.now, recorder, scenario.onTokenStored);
    const endpoint = simulatedEndpoint(clock.now, recorder, rules.tokenLifetimeSeconds, scenario);
    const state = new SimStateStore(clock, recorder);
    const set: RefresherCredentialSet = {
      name: CREDENTIAL,
      tokenUrl: A55_TOKEN_URL,
      clientAuth: 'client_secret_post',
      secretId: 'simulated',
    };
    // In-run retries happen within seconds: on this clock they take no time.
    const instantSleep = (): Promise<void> => Promise.resolve();
    const deps = {
      credentials: {
        getCredentials: async () => {
          recorder.secretRead(clock.nowMs);
          return { clientId: 'sim', clientSecret: 'sim' };
        },
      },
      endpoint,
      store,
      state,
      clock,
      sleep: instantSleep,
      random,
    };
    // The retry chain (decision 30) is the refresher's own (refreshWithRetries: the lease in
    // the state item, RETRY_CHAIN's delays, one token request per retry run); its queue is
    // the event queue. A retry run is delivered by SQS, not an async invoke: it never throws,
    // so Lambda never retries it.
    const retries: RetryQueue = {
      enqueue: async (_credential, ticket, delaySeconds) => {
        queue.schedule(clock.nowMs + delaySeconds * 1000, async () => {
          recorder.refresherRun(clock.nowMs);
          await refreshWithRetries({ set, reason: 'retry', retry: ticket }, chainDeps, {
            deadlineMs: clock.nowMs + 60_000,
          }).catch(() => undefined);
        });
      },
    };
    const chainDeps = { ...deps, retries };
    const invoke = asyncInvoker(context, (reason) =>
      refreshWithRetries({ set, reason }, chainDeps, { deadlineMs: clock.nowMs + 60_000 }),
    );

    // The deploy-time custom resource stores a token before the schedule's first run.
    queue.schedule(startMs, () => invoke('deploy'));
    const phaseMs = scenario.schedulePhaseMs ?? random() * rules.refreshIntervalMs;
    scenario.onSchedulePhase?.(startMs + phaseMs);
    const scheduleRefresh = (atMs: number): void =>
      queue.schedule(atMs, () => {
        scheduleRefresh(atMs + rules.refreshIntervalMs);
        return invoke('schedule');
      });
    scheduleRefresh(startMs + phaseMs);

    const trigger = {
      trigger: async (_credential: string, reason: RefreshReason) => {
        recorder.refreshRequest(clock.nowMs);
        queue.schedule(clock.nowMs + ASYNC_INVOKE_LATENCY_MS, () => invoke(reason));
      },
    };
    const environments: ReaderEnvironment[] = [];
    const acquire = (nowMs: number): { environment: ReaderEnvironment; cold: boolean } => {
      const idle = environments.find(
        (e) => e.busyUntilMs <= nowMs && nowMs - e.lastUsedMs < READER_IDLE_TIMEOUT_MS,
      );
      if (idle) return { environment: idle, cold: false };
      const reader = new Reader({
        store,
        state,
        clock,
        credentialNames: [CREDENTIAL],
        cacheSeconds: rules.readerCacheSeconds,
        trigger,
      });
      const fresh = { reader, busyUntilMs: nowMs, lastUsedMs: nowMs };
      // Reclaimed environments are replaced in place, so the pool holds at most the peak.
      const reclaimed = environments.findIndex((e) => nowMs - e.lastUsedMs >= READER_IDLE_TIMEOUT_MS);
      if (reclaimed >= 0) environments[reclaimed] = fresh;
      else environments.push(fresh);
      return { environment: fresh, cold: true };
    };

    /** One reader invocation as the Invoke transport sees it; sets `lastWaitMs`. */
    let lastWaitMs = 0;
    const invokeReader = async (payload: Record<string, unknown>): Promise<TokenView> => {
      const nowMs = clock.nowMs;
      const { environment, cold } = acquire(nowMs);
      const callsBefore = store.calls + state.calls;
      const requestsBefore = recorder.counters.refreshRequests;
      let answer: { view?: TokenView; error?: unknown } = {};
      try {
        answer = { view: (await environment.reader.serve(payload)) as TokenView };
      } catch (error) {
        answer = { error };
      }
      const storeCalls = store.calls + state.calls - callsBefore;
      const refreshAsked = recorder.counters.refreshRequests - requestsBefore;
      let runMs = draw(latencyRandom, LATENCY_MODEL.readerExecution);
      for (let call = 0; call < storeCalls; call++) runMs += draw(latencyRandom, LATENCY_MODEL.getItem);
      for (let call = 0; call < refreshAsked; call++) runMs += draw(latencyRandom, LATENCY_MODEL.invokeWarm);
      if (cold) runMs += draw(latencyRandom, LATENCY_MODEL.readerColdStart);
      environment.busyUntilMs = nowMs + runMs;
      environment.lastUsedMs = environment.busyUntilMs;
      const running = environments.filter((e) => e.busyUntilMs > nowMs).length;
      recorder.brokerInvocation(nowMs, cold, running);
      lastWaitMs = runMs + draw(latencyRandom, LATENCY_MODEL.invokeWarm);
      if (answer.view) return answer.view;
      throw handlerAnswer(answer.error);
    };

    if (scenario.extraCaller) startExtraCaller(context, invokeReader, scenario.extraCaller);
    const transport: TokenTransport = {
      description: 'simulated reader',
      fetchToken: (request) => invokeReader({ ...request }),
    };
    const clients: TokenBrokerClient[] = [];
    const noSleep = (): Promise<void> => Promise.reject(new Error('the simulation never waits'));
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
        lastWaitMs = 0;
        try {
          const token = await client.getTokenDetails();
          recorder.apiCall(nowMs, Date.parse(token.expiresAt), lastWaitMs);
        } catch {
          recorder.failedCall(nowMs, lastWaitMs);
        }
      },
    };
  };
}

/**
 * What the caller receives for a reader error: the reader face's expose rule, then the
 * client's typed error for the name, as the Invoke transport builds it from a FunctionError.
 */
function handlerAnswer(error: unknown): Error {
  const name = error instanceof Error ? error.name : undefined;
  const { name: answered, expose } = readerAnswerFor(name);
  const message = expose && error instanceof Error ? error.message : INTERNAL_ERROR_MESSAGE;
  return readerError(answered, message, {
    broker: 'simulated reader',
    ...(answered === 'TokenUnavailable' ? { retryAfterSeconds: TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } : {}),
  });
}

function startExtraCaller(
  { queue, clock, recorder, startMs }: SimContext,
  invokeReader: (payload: Record<string, unknown>) => Promise<TokenView>,
  caller: ExtraCaller,
) {
  let rejectedTokenHash: string | undefined;
  const read = async (): Promise<void> => {
    queue.schedule(clock.nowMs + caller.everyMs, read);
    try {
      const view = await invokeReader({
        minValiditySeconds: caller.minValiditySeconds,
        ...(rejectedTokenHash === undefined ? {} : { rejectedTokenHash }),
      });
      if (caller.rejectsEveryToken) rejectedTokenHash = rejectedTokenHashOf(view.accessToken);
      recorder.extraCallerRead(clock.nowMs, true);
    } catch {
      recorder.extraCallerRead(clock.nowMs, false);
    }
  };
  queue.schedule(startMs + caller.everyMs, read);
}
