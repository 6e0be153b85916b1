/**
 * Shared machinery of the fault suites: a refresh wired exactly as the Lambda wires it
 * (real token endpoint client, real DynamoDB store on DynamoDB Local, real reader), with
 * a sleep that records instead of waiting, and canary values that must never leak.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RefresherCredentialSet } from '../../contract/index.js';
import { DynamoDbTokenStore } from '../../lambda/adapters/dynamodb-token-store.js';
import { FetchTokenEndpoint } from '../../lambda/adapters/oauth2-token-endpoint.js';
import type { CredentialSource, StoredToken } from '../../lambda/core/ports.js';
import { systemClock } from '../../lambda/core/ports.js';
import { Reader, type TokenView } from '../../lambda/core/reader.js';
import { RefreshFailure, type RefreshReport, refresh } from '../../lambda/core/refresh.js';
import { InMemoryStateStore } from '../fakes/in-memory-state.js';

/** A client secret that must never appear in any output. */
export const CANARY_SECRET = 'canary-secret-Zq8v3Lk';
/** An access token value that must never appear in any error, log or metric. */
export const CANARY_TOKEN = 'canary-token-Wd5Jx1p';

/** A credential set whose secret is the canary. */
export function canaryCredentials(clientId = 'client-1', clientSecret = CANARY_SECRET): CredentialSource {
  return { getCredentials: async () => ({ clientId, clientSecret }) };
}

/** Everything an error carries that could reach a caller, a log or a metric, as one string. */
export function exposedText(error: unknown): string {
  if (!(error instanceof Error)) return JSON.stringify(error) ?? '';
  const parts: string[] = [error.name, error.message, error.stack ?? '', safeJson(error)];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    parts.push(
      cause instanceof Error
        ? `${cause.name} ${cause.message} ${cause.stack} ${safeJson(cause)}`
        : safeJson(cause),
    );
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, Object.getOwnPropertyNames(value ?? {})) ?? '';
  } catch {
    return String(value);
  }
}

/** Result of one refresh under fault. */
export interface FaultOutcome {
  readonly result?: RefreshReport;
  readonly error?: Error;
  /** Waits the retry loop asked for, in order. */
  readonly sleeps: number[];
  /** Token endpoint attempts made (1 + retries). */
  readonly attempts: number;
  /** The item after the refresh. */
  readonly stored: StoredToken | undefined;
  /** What a reader serves afterwards (with minValiditySeconds 0), or its error. */
  readonly served: TokenView | Error;
}

/** A refresh harness on one DynamoDB table. */
export class FaultHarness {
  readonly store: DynamoDbTokenStore;

  constructor(client: DynamoDBClient, tableName: string) {
    this.store = new DynamoDbTokenStore({ client, tableName, consistentRead: true });
  }

  /** Stores a "previous" token for `credential`, fetched ten minutes ago, valid for 50 more. */
  async seedPrevious(credential: string): Promise<StoredToken> {
    const now = Date.now() / 1000;
    const previous: StoredToken = {
      credential,
      accessToken: `previous-token-${credential}`,
      tokenType: 'Bearer',
      expiresAt: Math.floor(now + 3000),
      fetchedAt: now - 600,
    };
    await this.store.put(previous);
    return previous;
  }

  /** Runs one refresh of `config` as the refresher would, recording retries instead of sleeping. */
  async refresh(
    config: RefresherCredentialSet,
    options: { credentials?: CredentialSource; requestTimeoutMs?: number; deadlineMs?: number } = {},
  ): Promise<FaultOutcome> {
    const sleeps: number[] = [];
    let attempts = 0;
    const endpoint = new FetchTokenEndpoint();
    const counting = {
      requestToken: (request: Parameters<FetchTokenEndpoint['requestToken']>[0]) => {
        attempts++;
        return endpoint.requestToken(request);
      },
    };
    let result: RefreshReport | undefined;
    let error: Error | undefined;
    try {
      result = await refresh(
        { set: config, reason: 'manual' },
        {
          credentials: options.credentials ?? canaryCredentials(),
          endpoint: counting,
          store: this.store,
          state: new InMemoryStateStore(),
          clock: systemClock,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
          random: () => 0.5,
          requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
        },
        { deadlineMs: options.deadlineMs ?? Date.now() + 57_000 },
      );
    } catch (caught) {
      // The error that ended the refresh, as the refresher Lambda rethrows it.
      error = (caught instanceof RefreshFailure ? caught.cause : caught) as Error;
    }
    const stored = await this.store.get(config.name);
    const reader = new Reader({
      store: this.store,
      state: new InMemoryStateStore(),
      clock: systemClock,
      credentialNames: [config.name],
      cacheSeconds: 0,
    });
    const served = await (
      reader.serve({ credential: config.name, minValiditySeconds: 0 }) as Promise<TokenView>
    ).catch((e: Error) => e);
    return { ...(result ? { result } : {}), ...(error ? { error } : {}), sleeps, attempts, stored, served };
  }
}
