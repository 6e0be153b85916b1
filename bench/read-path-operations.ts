/**
 * What the read-path parent (./read-path.ts) and its worker (./read-path-worker.ts) share:
 * the compared operations and the messages between them. Kept apart because the worker
 * module runs its benchmark when imported.
 */

/** The compared operations (see ./read-path-worker.ts). */
export const READ_OPERATIONS = ['hit', 'miss', 'getItem', 'coreMemory', 'memoryGet'] as const;

/** One of {@link READ_OPERATIONS}. */
export type ReadOperation = (typeof READ_OPERATIONS)[number];

/** What the parent passes in `BENCH_READ_INPUT`. */
export interface ReadPathInput {
  readonly bundleFile: string;
  /** The reader's template environment plus the DynamoDB Local endpoint. */
  readonly env: Record<string, string>;
  readonly table: string;
  readonly credential: string;
  /** Measured operations of each kind in this round. */
  readonly samplesPerOperation: Readonly<Record<ReadOperation, number>>;
  readonly getTokenOps: number;
  /** Seeds the order of operations; one per round. */
  readonly seed: number;
}

/** What the worker sends back over IPC: raw samples in ns, in the order taken. */
export interface ReadPathRound {
  readonly samplesNs: Readonly<Record<ReadOperation, number[]>>;
  readonly getTokenNsPerOp: number;
  /** Bytes the reader bundle wrote to stdout per invocation (EMF metrics, log lines). */
  readonly logBytesPerInvocation: number;
}
