/**
 * Child processes that tests start and must never leave behind: stopped explicitly, killed
 * when this process exits, and (on Linux) killed by the kernel when this process dies
 * without running exit hooks. Their output is kept (the end of it) for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A started child process. */
export interface ManagedProcess {
  readonly pid: number;
  /** True once the process has exited (or was killed). */
  readonly exited: boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  /** The last characters it printed on stdout and stderr, trimmed. */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s, resolves once it has exited. Memoised: safe to call twice. */
  stop(): Promise<void>;
  /** Stops the process from holding this process's event loop open (the exit hooks still apply). */
  unref(): void;
}

/** How much output {@link ManagedProcess.output} keeps. */
const OUTPUT_TAIL_CHARS = 2000;

/** Processes still running, killed synchronously if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Spawns `command` and resolves once it is running.
 * @throws Error when it cannot be spawned (e.g. the executable does not exist).
 */
export async function startManagedProcess(command: string, args: readonly string[]): Promise<ManagedProcess> {
  const [file, fileArgs] = withParentDeathSignal(command, args);
  const child = spawn(file, fileArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureTail(child);
  track(child);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error })),
      );
    });
  } catch (error) {
    running.delete(child);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    get exitCode() {
      return child.exitCode;
    },
    get signalCode() {
      return child.signalCode;
    },
    output,
    stop: () => {
      stopping ??= stopProcess(child);
      return stopping;
    },
    unref: () => child.unref(),
  };
}

/** The full path of `command` on the PATH, or undefined. */
export function findOnPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Keeps the end of what the child prints, for error messages. */
function captureTail(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  // The pipes must be drained or the child blocks once a pipe buffer is full.
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // Pipes are sockets: unref them so only the child handle decides whether we stay alive.
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return () => tail.trim() || '(no output)';
}

async function stopProcess(child: ChildProcess): Promise<void> {
  try {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // It may have been unref'ed; hold the event loop until the exit is seen.
    child.ref();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  } finally {
    running.delete(child);
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: kill() only sends the signal, which is enough.
    process.once('exit', () => {
      for (const leftover of running) leftover.kill('SIGKILL');
    });
  }
}

/**
 * On Linux, runs the command under `setpriv --pdeathsig SIGKILL` (util-linux) so the kernel
 * kills it when the test worker dies without running exit hooks (SIGKILL, a crash).
 * setpriv execs the command, so the child pid is the command's own.
 */
function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  const setpriv = process.platform === 'linux' ? findOnPath('setpriv') : undefined;
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, [...args]];
}
