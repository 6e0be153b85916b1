/**
 * The ways a fleet can get its A55 tokens without the broker, as simulation strategies:
 * (a) per-process caching as in A55's reference `A55Client`; (b) a read-through DynamoDB
 * cache with no memory tier; (b′) what a team would build: a memory cache in front of a
 * shared DynamoDB item; (b″) b′ with a conditional-put lease, so one container fetches
 * while the rest wait or keep their token (single-flight). The broker, (c), is in
 * ./broker-strategy.ts. Every consumer here reads the client secret itself, once per
 * container start (GetSecretValue), since it may have to fetch a token.
 */
import { seededRandom } from '../stats.js';
import type { SimContext, Strategy } from './fleet.js';
import { draw, LATENCY_MODEL } from './latency-model.js';

/** The token and timing rules all strategies share. */
export interface TokenRules {
  /** `expires_in` of every token the endpoint issues (A55: 3600). */
  readonly tokenLifetimeSeconds: number;
  /** Refresh this long before expiry (reference doc: 300; broker client and reader: 300). */
  readonly refreshMarginSeconds: number;
  /** (c) The refresher's schedule. */
  readonly refreshIntervalMs: number;
  /** (c) The reader's in-memory cache (READER_CACHE_SECONDS). */
  readonly readerCacheSeconds: number;
  /** (b″) How long a lease holder may take before another container may take the lease. */
  readonly leaseMs: number;
  /** (b″) A container without a usable token polls the item this often while another fetches. */
  readonly leasePollMs: number;
}

/**
 * (a) Per-process caching, the reference doc's `A55Client`: each container reads the secret
 * at start, fetches its own token on first use and again once
 * `now >= obtained + expires_in - margin`; the call waits for each fetch.
 */
export function perProcessCaching(rules: TokenRules) {
  return ({ recorder, params }: SimContext): Strategy => {
    const random = seededRandom(params.seed ^ 0x2545f491);
    const tokenExpiresAt: Array<number | undefined> = [];
    const secretWait: number[] = [];
    return {
      startContainer: (slot, nowMs) => {
        tokenExpiresAt[slot] = undefined;
        recorder.secretRead(nowMs);
        secretWait[slot] = draw(random, LATENCY_MODEL.getSecretValue);
      },
      call: (slot, nowMs) => {
        let expiresAtMs = tokenExpiresAt[slot];
        let waitMs = secretWait[slot] ?? 0;
        secretWait[slot] = 0;
        if (expiresAtMs === undefined || nowMs >= expiresAtMs - rules.refreshMarginSeconds * 1000) {
          recorder.tokenRequest(nowMs);
          waitMs += draw(random, LATENCY_MODEL.tokenEndpoint);
          expiresAtMs = nowMs + rules.tokenLifetimeSeconds * 1000;
          tokenExpiresAt[slot] = expiresAtMs;
        }
        recorder.apiCall(nowMs, expiresAtMs, waitMs);
      },
    };
  };
}

/** Which read-through variant {@link sharedItemCache} simulates. */
export interface SharedItemOptions {
  /** Keep the item in the container's memory until it is within the margin of expiry (b′, b″). */
  readonly memoryTier: boolean;
  /** Take a conditional-put lease before fetching; losers keep their token or wait (b″). */
  readonly lease: boolean;
}

interface SharedItem {
  expiresAtMs: number;
}

/**
 * (b), (b′), (b″): a shared DynamoDB item holding the token. A container reads it when it has
 * no usable token in memory (every call without a memory tier); when the item is missing or
 * within the margin of expiry, the container fetches a token itself and writes it
 * (unconditional put: last writer wins). Without a lease every call that lands while a fetch
 * is in flight fetches too: the stampede. With one, the first container to win the
 * conditional put fetches; the others keep the token they have while it is still valid, or
 * poll the item until the new one is there.
 */
export function sharedItemCache(rules: TokenRules, options: SharedItemOptions) {
  return ({ recorder, queue, params }: SimContext): Strategy => {
    const random = seededRandom(params.seed ^ 0x5bd1e995);
    const marginMs = rules.refreshMarginSeconds * 1000;
    let item: SharedItem | undefined;
    let lease: { untilMs: number; doneMs: number } | undefined;
    const memory: Array<SharedItem | undefined> = [];
    const secretWait: number[] = [];
    const fetchAndWrite = (nowMs: number): { token: SharedItem; doneMs: number } => {
      recorder.tokenRequest(nowMs);
      const token = { expiresAtMs: nowMs + rules.tokenLifetimeSeconds * 1000 };
      const doneMs = nowMs + draw(random, LATENCY_MODEL.tokenEndpoint);
      queue.schedule(doneMs, () => {
        recorder.dynamoWrite(doneMs);
        item = token;
      });
      return { token, doneMs };
    };
    return {
      startContainer: (slot, nowMs) => {
        memory[slot] = undefined;
        recorder.secretRead(nowMs);
        secretWait[slot] = draw(random, LATENCY_MODEL.getSecretValue);
      },
      call: (slot, nowMs) => {
        let waitMs = secretWait[slot] ?? 0;
        secretWait[slot] = 0;
        const held = memory[slot];
        if (options.memoryTier && held && held.expiresAtMs - nowMs > marginMs) {
          recorder.apiCall(nowMs, held.expiresAtMs, waitMs);
          return;
        }
        recorder.dynamoRead(nowMs);
        waitMs += draw(random, LATENCY_MODEL.getItem);
        if (item && item.expiresAtMs - nowMs > marginMs) {
          memory[slot] = item;
          recorder.apiCall(nowMs, item.expiresAtMs, waitMs);
          return;
        }
        if (options.lease) {
          // The conditional put is billed whether it wins or not.
          recorder.dynamoWrite(nowMs);
          waitMs += draw(random, LATENCY_MODEL.putItem);
          if (lease && lease.untilMs > nowMs) {
            const usable = item && item.expiresAtMs > nowMs ? item : undefined;
            if (usable) {
              recorder.apiCall(nowMs, usable.expiresAtMs, waitMs);
              return;
            }
            // Nothing usable: poll until the lease holder has written its token.
            const polls = Math.max(1, Math.ceil((lease.doneMs - nowMs) / rules.leasePollMs));
            for (let poll = 0; poll < polls; poll++)
              recorder.dynamoRead(nowMs + (poll + 1) * rules.leasePollMs);
            const waited = polls * rules.leasePollMs + draw(random, LATENCY_MODEL.getItem);
            recorder.apiCall(nowMs, nowMs + rules.tokenLifetimeSeconds * 1000, waitMs + waited);
            return;
          }
        }
        const { token, doneMs } = fetchAndWrite(nowMs);
        if (options.lease) lease = { untilMs: nowMs + rules.leaseMs, doneMs };
        memory[slot] = token;
        recorder.apiCall(
          nowMs,
          token.expiresAtMs,
          waitMs + (doneMs - nowMs) + draw(random, LATENCY_MODEL.putItem),
        );
      },
    };
  };
}
