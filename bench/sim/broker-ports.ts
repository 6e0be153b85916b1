/**
 * The broker's ports as the simulation runs them: the token endpoint (instant, counting,
 * with outages and a rejected secret on demand) and the token table in memory with the
 * DynamoDB store's write rule, both counting the calls they stand for.
 */
import { TokenEndpointUnavailable, TokenRequestRejected } from '../../lambda/core/errors.js';
import type { PutOutcome, StoredToken, TokenEndpoint, TokenStore } from '../../lambda/core/ports.js';
import { mayReplace } from '../../lambda/core/token-rules.js';
import type { Recorder } from './recorder.js';

/** What goes wrong at the token endpoint in a scenario. */
export interface EndpointFaults {
  /** From this time on the token endpoint answers 401 invalid_client: a rejected secret. */
  readonly secretRejectedFromMs?: number;
  /** The token endpoint is down (HTTP 503) in [fromMs, untilMs): an IdP outage. */
  readonly outage?: { readonly fromMs: number; readonly untilMs: number };
}

/**
 * The token endpoint as the refresher sees it: answers at once and counts every request;
 * during an outage it answers 503 (TokenEndpointUnavailable, retryable); from
 * `secretRejectedFromMs` on it refuses the client credentials as Cognito does (401 invalid_client).
 */
export function simulatedEndpoint(
  now: () => number,
  recorder: Recorder,
  expiresIn: number,
  scenario: EndpointFaults,
): TokenEndpoint {
  const rejectsFromMs = scenario.secretRejectedFromMs ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  return {
    requestToken: async ({ credential }) => {
      recorder.tokenRequest(now());
      const { outage } = scenario;
      if (outage && now() >= outage.fromMs && now() < outage.untilMs) {
        recorder.rejectedTokenRequest(now());
        throw new TokenEndpointUnavailable(credential, 'HTTP 503 (simulated outage)');
      }
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

/** The DynamoDB token store in memory, with its conditional-write rule, counting reads and writes. */
export class SimTokenStore implements TokenStore {
  readonly #items = new Map<string, StoredToken>();
  /** Every call, counted or not: what a reader's answer waited for. */
  calls = 0;

  constructor(
    private readonly now: () => number,
    private readonly recorder: Recorder,
    private readonly onStored?: (atMs: number) => void,
  ) {}

  async get(credential: string): Promise<StoredToken | undefined> {
    this.calls++;
    this.recorder.dynamoRead(this.now());
    return this.#items.get(credential);
  }

  async put(token: StoredToken, nowMs: number = this.now()): Promise<PutOutcome> {
    this.calls++;
    this.recorder.dynamoWrite(this.now());
    const stored = this.#items.get(token.credential);
    if (stored && !mayReplace(stored, token, nowMs / 1000)) return { result: 'superseded', kept: stored };
    this.#items.set(token.credential, token);
    this.onStored?.(this.now());
    return { result: 'written' };
  }
}
