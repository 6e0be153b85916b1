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
import { type ClientCredentials, type CredentialSource, systemClock } from '../../lambda/core/ports.js';
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
    oauth = await startOAuthServer({
      accessTokenTtl: 3600,
      // The client a secret holds before a rotation, and the one it holds after.
      clients: [{ clientId: 'broker' }, { clientId: 'broker-old' }, { clientId: 'broker-rotated' }],
    });
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

  describe('a refresh holding the old secret, against one holding the rotated secret', () => {
    /** A secret an operator rotates: whoever reads it gets the pair it holds at that moment. */
    class RotatingSecret implements CredentialSource {
      value: ClientCredentials;
      constructor(initial: ClientCredentials) {
        this.value = initial;
      }
      async getCredentials(): Promise<ClientCredentials> {
        return this.value;
      }
    }
    const pair = (clientId: string): ClientCredentials => {
      const client = oauth.clients.find((candidate) => candidate.clientId === clientId);
      return { clientId, clientSecret: client?.clientSecret as string };
    };

    it('the old-secret refresh that waited on a 429 never overwrites the rotated token', async () => {
      // Prepare: A reads the old pair and is answered 429 (Retry-After 1 s). While A waits,
      // the operator rotates the secret and B (the rotation event) reads the new pair and
      // stores its token. Then A retries, gets a token for the old client (still valid at
      // the provider) and tries to store it, with a later send time than B's.
      const secret = new RotatingSecret(pair('broker-old'));
      oauth.resetTokenRequests();
      oauth.failNext(1, { type: 'status', status: 429, retryAfter: 1 });
      const deps = (sleepFor: (ms: number) => Promise<void>) => ({
        credentials: secret,
        endpoint: new FetchTokenEndpoint(),
        store,
        state: new InMemoryStateStore(),
        clock: systemClock,
        sleep: sleepFor,
        random: Math.random,
      });
      let rotated: RefreshReport | undefined;
      const whileAWaits = async (ms: number) => {
        secret.value = pair('broker-rotated');
        rotated = await runRefresh(
          { set: config('rotating'), reason: 'secret-rotated' },
          deps((wait) => sleep(wait)),
          { deadlineMs: Date.now() + 30_000 },
        );
        await sleep(ms);
      };

      // Act
      const old = await runRefresh({ set: config('rotating'), reason: 'schedule' }, deps(whileAWaits), {
        deadlineMs: Date.now() + 30_000,
      });

      // Assess
      // The 429 was answered by the gate, before the provider parsed who asked.
      expect(oauth.tokenRequests.map((request) => [request.clientId, request.status])).toEqual([
        [undefined, 429],
        ['broker-rotated', 200],
        ['broker-old', 200],
      ]);
      expect(rotated?.outcome).toBe('written');
      expect(old).toMatchObject({ outcome: 'superseded', attempts: 2 });
      const final = await store.get('rotating');
      expect(await oauth.introspect(final?.accessToken as string)).toMatchObject({
        active: true,
        client_id: 'broker-rotated',
      });
      // The old refresh reports what is stored, not the token it dropped.
      expect(old.expiresAt).toBe(final?.expiresAt);
    });
  });

  describe('a stored item that cannot be right', () => {
    const broker = () => canaryCredentials(oauth.clients[0]?.clientId, oauth.clients[0]?.clientSecret);
    const refreshWith = (name: string) =>
      runRefresh(
        { set: config(name), reason: 'schedule' },
        {
          credentials: broker(),
          endpoint: new FetchTokenEndpoint(),
          store,
          state: new InMemoryStateStore(),
          clock: systemClock,
          sleep: (ms) => sleep(ms),
          random: Math.random,
        },
        { deadlineMs: Date.now() + 30_000 },
      );

    it.each([
      ['fetched an hour in the future', 3_600, 7_200],
      ['fetched a day in the future, expiring in a year', 86_400, 365 * 86_400],
      ['expired a minute ago, fetched "later" than now by a clock 10 s ahead', 10, -60],
      ['expired, fetched long ago', -7_200, -3_600],
    ])('is replaced when it was %s', async (_case, fetchedIn, expiresIn) => {
      // Prepare
      const name = `stuck-${fetchedIn}-${expiresIn}`;
      const now = Date.now() / 1000;
      await store.put({
        credential: name,
        accessToken: 'stuck-token',
        tokenType: 'Bearer',
        fetchedAt: now + fetchedIn,
        expiresAt: Math.floor(now + expiresIn),
      });

      // Act
      const report = await refreshWith(name);

      // Assess
      expect(report.outcome).toBe('written');
      const final = await store.get(name);
      expect(final?.accessToken).not.toBe('stuck-token');
      expect((await oauth.introspect(final?.accessToken as string)).active).toBe(true);
      expect(report.secondsLeft).toBeGreaterThan(3_500);
    });

    it('after superseded, reports the remaining time of the token that is stored, not of the one dropped', async () => {
      // Prepare: a newer token, 2 s into the future (within the skew) and expiring in 400 s.
      const now = Date.now() / 1000;
      await store.put({
        credential: 'newer',
        accessToken: 'newer-token',
        tokenType: 'Bearer',
        fetchedAt: now + 2,
        secretReadAt: now + 2,
        expiresAt: Math.floor(now + 400),
      });

      // Act
      const report = await refreshWith('newer');

      // Assess
      expect(report.outcome).toBe('superseded');
      expect((await store.get('newer'))?.accessToken).toBe('newer-token');
      expect(report.expiresAt).toBe(Math.floor(now + 400));
      expect(report.secondsLeft).toBeLessThanOrEqual(400);
      expect(report.secondsLeft).toBeGreaterThan(390);
    });
  });
});
