/**
 * The status answer: per credential set, what is stored and how the last refreshes went,
 * without the token. For operators and health checks (`GET /status`, `{"action":"status"}`).
 */
import { withinDeadline } from './deadline.js';
import type { CallOptions, Clock, CredentialState, StateStore, TokenStore } from './ports.js';
import { secondsRemaining } from './token-rules.js';

/** One credential set's status. Times are ISO-8601; null where nothing is known. */
export interface CredentialStatus {
  readonly credential: string;
  /** Whether a token is stored that has not expired. */
  readonly tokenStored: boolean;
  readonly fetchedAt: string | null;
  readonly expiresAt: string | null;
  readonly secondsRemaining: number | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: {
    readonly name: string;
    readonly code: string | null;
    readonly message: string;
    readonly at: string;
    /**
     * Whether a retry may succeed; while false (and newer than the last success), readers
     * do not ask for refreshes. Null for a failure recorded before the refresher said.
     */
    readonly retryable: boolean | null;
  } | null;
  readonly refreshRequestedAt: string | null;
  /**
   * Which secret version the stored token came from, and the AWSCURRENT version the token
   * endpoint rejected when that was AWSPREVIOUS (docs/design.md, A rejected AWSCURRENT).
   * Stage names and version ids only. Null until a success recorded it.
   */
  readonly secret: {
    readonly inUse: { readonly stage: string; readonly versionId: string | null };
    readonly rejected: { readonly stage: 'AWSCURRENT'; readonly versionId: string | null } | null;
  } | null;
  /** When the retry chain's next run is due (ISO-8601), while one is pending; else null. */
  readonly nextRetryAt: string | null;
}

/** The whole status answer. */
export interface BrokerStatus {
  readonly credentials: readonly CredentialStatus[];
}

const iso = (epochSeconds: number | undefined) =>
  epochSeconds === undefined ? null : new Date(epochSeconds * 1000).toISOString();

/**
 * Reads the status of every configured set, in configuration order.
 * @throws TokenStoreError, also when `options.signal` aborts first
 */
export async function readStatus(
  credentialNames: readonly string[],
  deps: { readonly store: TokenStore; readonly state: StateStore; readonly clock: Clock },
  options: CallOptions = {},
): Promise<BrokerStatus> {
  const { signal } = options;
  const callOptions = signal ? { signal } : undefined;
  const credentials = await Promise.all(
    credentialNames.map(async (credential): Promise<CredentialStatus> => {
      const [token, state] = await Promise.all([
        withinDeadline(
          deps.store.get(credential, callOptions),
          signal,
          credential,
          'GetItem of the token item',
        ),
        withinDeadline(
          deps.state.get(credential, callOptions),
          signal,
          credential,
          'GetItem of the state item',
        ),
      ]);
      const left = token ? secondsRemaining(token, deps.clock.now()) : undefined;
      return {
        credential,
        tokenStored: left !== undefined && left > 0,
        fetchedAt: iso(token?.fetchedAt),
        expiresAt: iso(token?.expiresAt),
        secondsRemaining: left ?? null,
        lastSuccessAt: iso(state.lastSuccessAt),
        lastError: lastError(state),
        refreshRequestedAt: iso(state.refreshRequestedAt),
        secret: secretInUse(state),
        nextRetryAt: iso(state.pendingRetry?.dueAt),
      };
    }),
  );
  return { credentials };
}

function secretInUse({ secret }: CredentialState): CredentialStatus['secret'] {
  if (!secret) return null;
  return {
    inUse: { stage: secret.stage, versionId: secret.versionId ?? null },
    // Only a token taken from AWSPREVIOUS means AWSCURRENT was refused.
    rejected:
      secret.stage === 'AWSPREVIOUS'
        ? { stage: 'AWSCURRENT', versionId: secret.rejectedVersionId ?? null }
        : null,
  };
}

function lastError(state: CredentialState): CredentialStatus['lastError'] {
  const failure = state.lastFailure;
  if (!failure) return null;
  return {
    name: failure.name,
    code: failure.code ?? null,
    message: failure.message,
    at: iso(failure.at) as string,
    retryable: failure.retryable ?? null,
  };
}
