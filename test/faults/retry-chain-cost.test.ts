/**
 * The retry chain's cost bound (docs/design.md, Retry until recovered; README, Failure
 * behaviour), counted at the real token endpoint (oidc-provider) with the lease on DynamoDB
 * Local: in the first hour of an outage the chain makes at most 61 retry runs, each message
 * delivered twice at the same moment (SQS delivers at least once) still runs once, and a run
 * makes one token request, or two when AWSCURRENT is rejected and AWSPREVIOUS is accepted
 * (decision 31), of which one is successful (Cognito bills only those).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefresherCredentialSet, RetryTicket } from '../../contract/index.js';
import { DynamoDbStateStore } from '../../lambda/adapters/dynamodb-state-store.js';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../../lambda/adapters/oauth2-token-endpoint.js';
import { TokenStoreError } from '../../lambda/core/errors.js';
import type { ClientCredentials, CredentialSource, RetryQueue, TokenStore } from '../../lambda/core/ports.js';
import type { RefreshRequest } from '../../lambda/core/refresh-request.js';
import { type RetryChainDependencies, refreshWithRetries } from '../../lambda/core/retry-chain.js';
import { ManualClock } from '../fakes/in-memory.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';

const HOUR_SECONDS = 3_600;
/** Retry runs due within the first hour: 15 s, 45 s, then every 60 s (15 + 30 + 60 · 58 s). */
const RETRY_RUNS_FIRST_HOUR = 61;

/** The SQS queue as the chain sees it: the messages sent, in order. */
class RecordingQueue implements RetryQueue {
  readonly sent: RetryTicket[] = [];
  async enqueue(_credential: string, ticket: RetryTicket): Promise<void> {
    this.sent.push(ticket);
  }
}

/** A secret whose AWSCURRENT is `current` and whose AWSPREVIOUS is `previous`, when given. */
function secret(current: ClientCredentials, previous?: ClientCredentials): CredentialSource {
  return {
    getCredentials: async () => current,
    ...(previous ? { getPreviousCredentials: async () => previous } : {}),
  };
}

/** DynamoDB refusing every token write as throttled (the write a retry cannot fix within its run). */
function throttledWrites(store: TokenStore): TokenStore {
  return {
    get: (credential) => store.get(credential),
    put: async (token) => {
      throw new TokenStoreError(token.credential, 'PutItem failed with ThrottlingException', {
        retryable: true,
      });
    },
  };
}

describe('Faults: the retry chain stays within its stated cost bound', () => {
  const dynamo = useDynamoDbLocal();
  let oauth: OAuthServer;
  let set: RefresherCredentialSet;
  let good: ClientCredentials;

  beforeAll(async () => {
    oauth = await startOAuthServer();
    const client = oauth.clients[0];
    if (!client) throw new Error('the OAuth server registered no client');
    good = { clientId: client.clientId, clientSecret: client.clientSecret, versionId: 'v-good' };
    set = {
      name: 'sandbox',
      tokenUrl: oauth.tokenUrl,
      clientAuth: 'client_secret_post',
      secretId: 'arn:secret',
    };
  });

  afterAll(async () => {
    await oauth?.stop();
  });

  beforeEach(() => {
    oauth.resetTokenRequests();
  });

  /**
   * Fails one scheduled run, then delivers every retry message due in the hour after the
   * outage began twice at the same moment. Answers the runs and the chain's token requests.
   */
  async function followChainForAnHour(options: { credentials: CredentialSource; writes?: 'throttled' }) {
    const clock = new ManualClock(Date.now());
    const tableName = await dynamo.createTable();
    const tokens = new DynamoDbTokenStore({ client: dynamo.client, tableName, consistentRead: true });
    const queue = new RecordingQueue();
    const deps: RetryChainDependencies = {
      credentials: options.credentials,
      endpoint: new FetchTokenEndpoint(),
      store: options.writes === 'throttled' ? throttledWrites(tokens) : tokens,
      state: new DynamoDbStateStore({ client: dynamo.client, tableName }),
      clock,
      sleep: clock.sleep,
      random: () => 0.5,
      retries: queue,
    };
    const run = (request: Omit<RefreshRequest, 'set'>) =>
      refreshWithRetries({ set, ...request }, deps, { deadlineMs: clock.now() + 57_000 }).catch(
        (error: unknown) => error,
      );
    const outageStartSeconds = clock.now() / 1000;
    await run({ reason: 'schedule' });
    const scheduledRequests = oauth.tokenRequestCount;
    let runs = 0;
    let duplicatesRun = 0;
    for (let ticket = queue.sent.shift(); ticket; ticket = queue.sent.shift()) {
      if (ticket.dueAt > outageStartSeconds + HOUR_SECONDS) break;
      clock.advance(Math.max(0, ticket.dueAt * 1000 - clock.now()));
      const delivered = { reason: 'retry' as const, retry: ticket };
      const outcomes = await Promise.all([run(delivered), run(delivered)]);
      runs++;
      duplicatesRun +=
        outcomes.filter((o) => (o as { outcome?: string }).outcome !== 'retry-not-needed').length - 1;
    }
    const chainRequests = oauth.tokenRequests.slice(scheduledRequests);
    return { runs, duplicatesRun, chainRequests, scheduledRequests };
  }

  it('makes one token request per retry run in an outage: 61 in its first hour, duplicates included', async () => {
    // Prepare: the IdP answers 503 to every request for the whole hour
    oauth.failNext(1_000, 503);

    // Act
    const { runs, duplicatesRun, chainRequests, scheduledRequests } = await followChainForAnHour({
      credentials: secret(good),
    });

    // Assess
    expect(scheduledRequests).toBe(4);
    expect(runs).toBe(RETRY_RUNS_FIRST_HOUR);
    expect(duplicatesRun).toBe(0);
    expect(chainRequests).toHaveLength(RETRY_RUNS_FIRST_HOUR);
  });

  it('makes two requests per run, one successful, when AWSCURRENT is rejected and the token cannot be stored', async () => {
    // Prepare: a mistyped AWSCURRENT, the previous pair still accepted, DynamoDB throttling token writes
    const typo = { ...good, clientSecret: `${good.clientSecret}-typo`, versionId: 'v-typo' };

    // Act
    const { runs, duplicatesRun, chainRequests, scheduledRequests } = await followChainForAnHour({
      credentials: secret(typo, good),
      writes: 'throttled',
    });

    // Assess: every run sent the typo (refused) and then the previous pair (accepted)
    expect(scheduledRequests).toBe(2);
    expect(runs).toBeGreaterThan(50);
    expect(runs).toBeLessThanOrEqual(RETRY_RUNS_FIRST_HOUR);
    expect(duplicatesRun).toBe(0);
    expect(chainRequests.map((request) => request.status)).toEqual(
      Array.from({ length: runs }, () => [401, 200]).flat(),
    );
  });
});
