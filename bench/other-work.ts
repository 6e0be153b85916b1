/**
 * How much CPU other work took while the bench was timing something. The load average cannot
 * tell: on a small machine the bench's own processes (the runtime client runs, the read-path
 * workers, DynamoDB Local) raise it to about 1 by themselves. So the bench counts, from Linux's
 * /proc, the CPU every process used (`/proc/stat`) minus what the bench and its descendants used
 * (`/proc/<pid>/stat` of each, living ones included, plus what exited children left in the
 * parent's `cutime`/`cstime`). The rest, over the elapsed time, is other work in cores.
 *
 * Elsewhere (no /proc) nothing can be counted and the reading is `undefined`.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU counters at one moment, in clock ticks. */
export interface CpuSnapshot {
  readonly atMs: number;
  /** Busy ticks of the whole machine (every state but idle and iowait), all cores. */
  readonly machineTicks: number;
  /** Ticks of this process and its descendants, living and exited. */
  readonly ownTicks: number;
}

/** Busy ticks from `/proc/stat`'s first line (`cpu user nice system idle iowait irq softirq steal …`). */
export function machineBusyTicks(procStat: string): number {
  const fields = (procStat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** One `/proc/<pid>/stat` line: its parent and the ticks it and its waited-for children used. */
export function processTicks(stat: string): { ppid: number; ticks: number } {
  // The command name (field 2) is in parentheses and may hold spaces: read after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4; utime, stime, cutime, cstime are fields 14–17.
  const field = (n: number) => Number(rest[n - 3] ?? 0);
  return { ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

/** Sum of {@link processTicks} over `root` and every living descendant, from a pid → stat map. */
export function treeTicks(root: number, stats: ReadonlyMap<number, string>): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const [pid, stat] of stats) {
    const parsed = processTicks(stat);
    ticks.set(pid, parsed.ticks);
    children.set(parsed.ppid, [...(children.get(parsed.ppid) ?? []), pid]);
  }
  let sum = 0;
  const pending = [root];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    sum += ticks.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return sum;
}

function readProcStats(): Map<number, string> {
  const stats = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.set(Number(entry), readFileSync(`/proc/${entry}/stat`, 'utf8'));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return stats;
}

/** The counters now, or undefined where there is no /proc. */
export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const machineTicks = machineBusyTicks(readFileSync('/proc/stat', 'utf8'));
    return { atMs: performance.now(), machineTicks, ownTicks: treeTicks(process.pid, readProcStats()) };
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc counts in hundredths of a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Cores other work used on average between two snapshots (never below 0: a child that exited
 * between the snapshots moves its ticks into the parent's counters, which can lag by a tick).
 */
export function otherWorkCores(before: CpuSnapshot, after: CpuSnapshot): number {
  const seconds = (after.atMs - before.atMs) / 1000;
  if (seconds <= 0) return 0;
  const other = after.machineTicks - before.machineTicks - (after.ownTicks - before.ownTicks);
  return Math.max(0, other / TICKS_PER_SECOND / seconds);
}

/** Shorter than this, a few ticks' rounding would decide the reading: nothing is reported. */
export const MIN_MEASURED_MS = 1_000;

/**
 * Runs `work` and returns its result with the cores other work used meanwhile; undefined when
 * nothing could be counted or the work took under {@link MIN_MEASURED_MS} (a skipped phase).
 * A grandchild orphaned by its parent's exit would count as other work; the bench has none.
 */
export async function measuringOtherWork<T>(
  work: () => Promise<T>,
): Promise<{ result: T; otherCores: number | undefined }> {
  const before = cpuSnapshot();
  const result = await work();
  const after = cpuSnapshot();
  if (!before || !after || after.atMs - before.atMs < MIN_MEASURED_MS)
    return { result, otherCores: undefined };
  return { result, otherCores: round2(otherWorkCores(before, after)) };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
