/**
 * The latency model of the simulation: how long each remote call a strategy makes keeps the
 * consumer's A55 API call waiting. Each figure is a uniform range with its source, or marked
 * as an assumption; the report prints them beside the latency table. Only the shape of the
 * comparison depends on them (which strategy waits, how often, for what), not the counts.
 */
import { uniform } from '../stats.js';

/** A uniform range in ms and where it comes from. */
export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
  readonly source: string;
}

/** The remote calls, in ms. */
export const LATENCY_MODEL = {
  tokenEndpoint: {
    minMs: 150,
    maxMs: 450,
    source: 'assumption: a Cognito token endpoint round trip from the same region (not published by AWS)',
  },
  getItem: {
    minMs: 2,
    maxMs: 8,
    source: 'assumption from AWS\'s "single-digit millisecond" DynamoDB latency (DynamoDB product page)',
  },
  putItem: {
    minMs: 4,
    maxMs: 12,
    source: 'assumption: a write, somewhat slower than a read',
  },
  getSecretValue: {
    minMs: 20,
    maxMs: 60,
    source: 'assumption: a Secrets Manager call from the same region (not published by AWS)',
  },
  invokeWarm: {
    minMs: 8,
    maxMs: 25,
    source: 'assumption: a synchronous Lambda Invoke of a warm function, round trip (not published by AWS)',
  },
  readerColdStart: {
    minMs: 250,
    maxMs: 600,
    source:
      'assumption: Lambda sandbox init (not measurable here) plus the reader init and first invoke ' +
      'this bench measures under aws-lambda-ric (cold-start table)',
  },
  readerExecution: {
    minMs: 1,
    maxMs: 3,
    source:
      'assumption: a warm reader answering from memory, billed duration (the in-process hit is tens of µs)',
  },
} as const satisfies Record<string, LatencyRange>;

/** Lambda keeps an idle execution environment this long before reclaiming it. */
export const READER_IDLE_TIMEOUT_MS = 10 * 60_000;

/** Where {@link READER_IDLE_TIMEOUT_MS} comes from. */
export const READER_IDLE_TIMEOUT_SOURCE =
  'assumption: AWS does not publish how long an idle environment is kept; 5 to 15 minutes is commonly observed';

/** A draw from `range`. */
export function draw(random: () => number, range: LatencyRange): number {
  return uniform(random, range.minMs, range.maxMs);
}
