/**
 * The reader's composition, shared by the reader Lambda and the local broker so both
 * answer alike: validate the request, answer the status or serve the stored token, and
 * when no usable token is stored, ask the refresher for one (self-healing) before
 * answering TokenUnavailable. Only the runner differs (metrics and Powertools logs in
 * Lambda, readable lines locally; how the refresher is reached): it is told through a
 * {@link ReadObserver}.
 */
import { BrokerError, TokenUnavailable } from './errors.js';
import type { Clock, StateStore, TokenStore } from './ports.js';
import { parseReaderRequest, type TokenReader, type TokenView } from './read.js';
import type { RefreshRequester } from './self-heal.js';
import { type BrokerStatus, readStatus } from './status.js';

/** What a runner learns about each token read; every callback is synchronous and must not throw. */
export interface ReadObserver {
  /** A valid token request for `credential` arrived; nothing has been read yet. */
  requested?(credential: string): void;
  /** A token was served. */
  served?(credential: string): void;
  /** No usable token: the caller gets TokenUnavailable. */
  unavailable?(credential: string): void;
  /** The refresher was asked for a refresh on the caller's behalf. */
  refreshRequested?(credential: string): void;
  /** Asking the refresher failed; the read still answers TokenUnavailable. */
  refreshRequestFailed?(credential: string, error: unknown): void;
}

/** Options of {@link ReaderService}. */
export interface ReaderServiceOptions {
  /** In configuration order; the first is the default. */
  readonly credentialNames: readonly string[];
  readonly reader: TokenReader;
  readonly store: TokenStore;
  readonly state: StateStore;
  readonly clock: Clock;
  /** Asks the refresher for a token after a miss; self-healing is off without it. */
  readonly requester?: RefreshRequester;
  readonly observer?: ReadObserver;
}

/**
 * Answers reader requests: an invoke payload, or the payload-shaped fields of an HTTP
 * request (see the handlers' http-face). One instance per Lambda container or local broker.
 *
 * @example
 * ```ts
 * const service = new ReaderService({ credentialNames, reader, store, state, clock, requester });
 * const answer = await service.serve({ credential: 'sandbox' }); // TokenView
 * ```
 */
export class ReaderService {
  readonly #options: ReaderServiceOptions;

  constructor(options: ReaderServiceOptions) {
    this.#options = options;
  }

  /**
   * The token view for a token request, the status answer for `{action: 'status'}`.
   * @throws BadRequest, UnknownCredential, TokenUnavailable (after asking for a refresh),
   *   TokenStoreError
   */
  async serve(payload: unknown): Promise<TokenView | BrokerStatus> {
    const { credentialNames, reader, store, state, clock, observer } = this.#options;
    const parsed = parseReaderRequest(payload, credentialNames);
    if (parsed.action === 'status') return readStatus(credentialNames, { store, state, clock });
    const { credential } = parsed.request;
    observer?.requested?.(credential);
    try {
      const token = await reader.read(parsed.request);
      observer?.served?.(credential);
      return token;
    } catch (error) {
      if (error instanceof TokenUnavailable) {
        observer?.unavailable?.(credential);
        await this.#requestRefresh(credential);
      }
      throw error;
    }
  }

  /**
   * Self-healing: ask the refresher for a token, at most once a minute per credential
   * across all reader instances. Awaited, because a frozen Lambda would drop the request;
   * never fails the read it came from.
   */
  async #requestRefresh(credential: string): Promise<void> {
    const { requester, observer } = this.#options;
    if (!requester) return;
    try {
      const outcome = await requester.request(credential);
      if (outcome === 'requested') observer?.refreshRequested?.(credential);
    } catch (error) {
      observer?.refreshRequestFailed?.(credential, error);
    }
  }
}

/**
 * Errors whose name and message are meant for the caller (client errors and
 * TokenUnavailable); anything else is internal and leaves as a generic error.
 */
export function isCallerFacing(error: unknown): error is BrokerError {
  return error instanceof BrokerError && (error.status < 500 || error instanceof TokenUnavailable);
}
