/**
 * The reader's success body, on both faces (the invoke's payload, the Function URL's JSON):
 * what the reader builds and what the client checks and hands to its callers.
 */

/** A served token and how long it stays valid (docs/design.md, "Reader"). */
export interface TokenView {
  /** The credential set the token belongs to. */
  readonly credential: string;
  /** The Bearer token. Never log it. */
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** ISO-8601, by the broker's clock. */
  readonly expiresAt: string;
  /** Seconds of validity left when the view was made. */
  readonly expiresIn: number;
}
