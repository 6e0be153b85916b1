/**
 * Races, against DynamoDB Local and a real OAuth 2.0 server: concurrent refreshes must
 * never let an older token overwrite a newer one, and concurrent reads during refreshes
 * must never be served a token without the validity they asked for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefresherCredentialSet } from '../../contract/index.js';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../../lambda/adapters/oauth2-token-endpoint.js';
import { TokenUnavailable } from '../../lambda/core/errors.js';
import { systemClock } from '../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../lambda/core/reader.js';
import { type RefreshReport, refresh as runRefresh } from '../../lambda/core/refresh.js';
import { InMemoryStateStore } from '../fakes/in-memory-state.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { canaryCredentials } from './harness.js';

describe('Faults: races', () => {
  const dynamo = useDynamoDbLocal();
  let oauth: OAuthServer;
  let store: DynamoDbTokenStore;

  beforeAll(async () => {
    oauth = await startOAuthServer({ accessTokenTtl: 3600 });
    const table = await dynamo.createTable();
    store = new DynamoDbTokenStore({ client: dynamo.client, tableName: table, consistentRead: true });
  });

  afterAll(async () => {
    await oauth?.stop();
  });

  const config = (name: string): RefresherCredentialSet => ({
    name,
    tokenUrl: oauth.tokenUrl,
    clientAuth: 'client_secret_post',
    secretId: 'local',
  });
  const refresh = (name: string) =>
    runRefresh(
      { set: config(name), reason: 'manual' },
      {
        credentials: canaryCredentials(oauth.clients[0]?.clientId, oauth.clients[0]?.clientSecret),
        endpoint: new FetchTokenEndpoint(),
        store,
        state: new InMemoryStateStore(),
        clock: systemClock,
        sleep: (ms) => sleep(ms),
        random: Math.random,
      },
      { deadlineMs: Date.now() + 30_000 },
    );

  it('20 concurrent refreshes with random delays: the newest fetch wins, fetchedAt never goes back', async () => {
    // Prepare: every token request is held for a random time, so answers arrive out of order.
    for (let i = 0; i < 20; i++) oauth.failNext(1, { type: 'delay', ms: Math.floor(Math.random() * 400) });
    const seen: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const item = await store.get('race');
        if (item) seen.push(item.fetchedAt);
        await sleep(2);
      }
    })();

    // Act
    const results: RefreshReport[] = await Promise.all(
      Array.from({ length: 20 }, async () => {
        await sleep(Math.floor(Math.random() * 100));
        return refresh('race');
      }),
    );
    polling = false;
    await poller;

    // Assess
    const final = await store.get('race');
    const newest = Math.max(...results.map((result) => result.fetchedAt));
    expect(final?.fetchedAt).toBe(newest);
    // Requests sent in the same millisecond tie: exactly one of them is written, the rest superseded.
    const newestOutcomes = results.filter((result) => result.fetchedAt === newest).map((r) => r.outcome);
    expect(newestOutcomes.filter((outcome) => outcome === 'written')).toEqual(['written']);
    expect((await oauth.introspect(final?.accessToken as string)).active).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
  });

  it('1,000 concurrent reads during refreshes: a token with the asked validity, or TokenUnavailable, never less', async () => {
    // Prepare: tokens valid for 302 s, asked for 300 s, so each is usable for only ~2 s
    // and cached readers (30 s cache) must notice it going stale.
    oauth.setAccessTokenTtl(302);
    const minValiditySeconds = 300;
    const readers = Array.from(
      { length: 10 },
      () =>
        new Reader({
          store,
          state: new InMemoryStateStore(),
          clock: systemClock,
          credentialNames: ['busy'],
          cacheSeconds: 30,
        }),
    );
    let refreshing = true;
    const refresher = (async () => {
      while (refreshing) {
        await refresh('busy');
        await sleep(Math.floor(Math.random() * 1_500));
      }
    })();

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 1_000 }, async (_, index) => {
        await sleep(Math.floor(Math.random() * 3_000));
        const reader = readers[index % readers.length] as Reader;
        const view = await reader
          .serve({ credential: 'busy', minValiditySeconds })
          .catch((error: unknown) => error);
        return { view, at: Date.now() };
      }),
    );
    refreshing = false;
    await refresher;
    oauth.setAccessTokenTtl(3600);

    // Assess
    let served = 0;
    for (const { view, at } of outcomes) {
      if (view instanceof TokenUnavailable) continue;
      expect(view).toMatchObject({ credential: 'busy', tokenType: 'Bearer' });
      const token = view as TokenView;
      expect(token.expiresIn).toBeGreaterThanOrEqual(minValiditySeconds);
      // Checked against the wall clock once the answer arrived, with 1 s for the trip.
      expect(Date.parse(token.expiresAt) - at).toBeGreaterThan((minValiditySeconds - 1) * 1000);
      served++;
    }
    expect(served).toBeGreaterThan(0);
    expect(outcomes.length).toBe(1_000);
  });
});
