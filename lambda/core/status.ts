/**
 * The status answer: per credential set, what is stored and how the last refreshes went,
 * without the token. For operators and health checks (`GET /status`, `{"action":"status"}`).
 */
import type { Clock, CredentialState, StateStore, TokenStore } from './ports.js';
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
  } | null;
  readonly refreshRequestedAt: string | null;
}

/** The whole status answer. */
export interface BrokerStatus {
  readonly credentials: readonly CredentialStatus[];
}

const iso = (epochSeconds: number | undefined) =>
  epochSeconds === undefined ? null : new Date(epochSeconds * 1000).toISOString();

/** Reads the status of every configured set, in configuration order. */
export async function readStatus(
  credentialNames: readonly string[],
  deps: { readonly store: TokenStore; readonly state: StateStore; readonly clock: Clock },
): Promise<BrokerStatus> {
  const credentials = await Promise.all(
    credentialNames.map(async (credential): Promise<CredentialStatus> => {
      const [token, state] = await Promise.all([deps.store.get(credential), deps.state.get(credential)]);
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
      };
    }),
  );
  return { credentials };
}

function lastError(state: CredentialState): CredentialStatus['lastError'] {
  const failure = state.lastFailure;
  if (!failure) return null;
  return {
    name: failure.name,
    code: failure.code ?? null,
    message: failure.message,
    at: iso(failure.at) as string,
  };
}
