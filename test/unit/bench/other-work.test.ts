/**
 * The bench's quiet-machine gate (bench/other-work.ts, bench/report.ts): the /proc arithmetic
 * that separates other work from the bench's own processes, and the gate's decisions.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  cpuSnapshot,
  MIN_MEASURED_MS,
  machineBusyTicks,
  measuringOtherWork,
  otherWorkCores,
  processTicks,
  treeTicks,
} from '../../../bench/other-work.js';
import { type MachineInfo, QUOTABLE_MAX_OTHER_CORES, quotable } from '../../../bench/report.js';

const stat = (pid: number, ppid: number, [utime, stime, cutime, cstime]: number[], name = 'node') =>
  // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  `${pid} (${name}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0`;

describe('the /proc arithmetic', () => {
  it('counts busy ticks as every state but idle and iowait, guests not twice', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    expect(machineBusyTicks('cpu  100 5 40 9000 30 2 3 1 50 7\ncpu0 1 2 3 4')).toBe(100 + 5 + 40 + 2 + 3 + 1);
  });

  it("reads a process's parent and ticks even when its name holds spaces and parentheses", () => {
    expect(processTicks(stat(42, 7, [10, 5, 3, 2], 'Web Content (x)'))).toEqual({ ppid: 7, ticks: 20 });
  });

  it('sums a process tree, descendants of descendants included, and nothing outside it', () => {
    const stats = new Map([
      [10, stat(10, 1, [100, 10, 5, 0])], // the bench
      [11, stat(11, 10, [50, 5, 0, 0])], // DynamoDB Local
      [12, stat(12, 11, [7, 0, 0, 0])], // its child
      [20, stat(20, 1, [999, 99, 0, 0])], // other work
      [21, stat(21, 20, [40, 0, 0, 0])],
    ]);
    expect(treeTicks(10, stats)).toBe(115 + 55 + 7);
    expect(treeTicks(20, stats)).toBe(1098 + 40);
  });

  it('gives the cores other work used: machine ticks not the bench’s, over the elapsed seconds', () => {
    const before = { atMs: 0, machineTicks: 1_000, ownTicks: 300 };
    // 10 s: the machine used 900 ticks (9 CPU-s), the bench 800 of them.
    expect(otherWorkCores(before, { atMs: 10_000, machineTicks: 1_900, ownTicks: 1_100 })).toBeCloseTo(0.1);
    // A child's ticks arriving late in the parent's counters never make it negative.
    expect(otherWorkCores(before, { atMs: 10_000, machineTicks: 1_100, ownTicks: 500 })).toBe(0);
  });

  it.runIf(process.platform === 'linux')(
    'counts a busy child of this process as the bench’s own work, not as other work',
    async () => {
      const before = cpuSnapshot();
      // Busy until it has used 1 s of CPU (not of wall time: the machine may be shared), then
      // exits: its ticks move to this process's cutime.
      const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 1e6);']);
      await new Promise((resolve) => child.once('exit', resolve));
      const after = cpuSnapshot();
      expect(before && after).toBeTruthy();
      if (!before || !after) return;
      const ownSeconds = (after.ownTicks - before.ownTicks) / 100;
      expect(ownSeconds).toBeGreaterThanOrEqual(0.95);
    },
  );
});

describe('the quotable gate', () => {
  const machine = (overrides: Partial<MachineInfo>): MachineInfo => ({
    cpu: 'test',
    cores: 2,
    node: 'v24',
    platform: 'linux x64',
    loadAtStart: [0.3, 0.5, 0.6],
    loadAtEnd: [1.4, 1.1, 0.8],
    otherWorkCores: { coldStart: 0.05, readPath: 0.1 },
    ...overrides,
  });

  it('quotes a run that started quiet and saw no other work, whatever the bench’s own load at the end', () => {
    expect(quotable({ quick: false, machine: machine({}) })).toEqual({
      ok: true,
      worstLoad: 0.3,
      worstOtherCores: 0.1,
    });
  });

  it('refuses a run during which other work took more than the bound', () => {
    const status = quotable({
      quick: false,
      machine: machine({ otherWorkCores: { coldStart: 0.05, readPath: QUOTABLE_MAX_OTHER_CORES + 0.01 } }),
    });
    expect(status.ok).toBe(false);
    expect(status.worstOtherCores).toBe(QUOTABLE_MAX_OTHER_CORES + 0.01);
  });

  it('refuses a run that started on a loaded machine, and a quick run', () => {
    expect(quotable({ quick: false, machine: machine({ loadAtStart: [1.2, 1, 1] }) }).ok).toBe(false);
    expect(quotable({ quick: true, machine: machine({}) }).ok).toBe(false);
  });

  it('falls back to the load averages, the end included, where other work was not counted', () => {
    const { otherWorkCores: _none, ...uncounted } = machine({});
    expect(quotable({ quick: false, machine: uncounted })).toEqual({ ok: false, worstLoad: 1.4 });
    expect(quotable({ quick: false, machine: { ...uncounted, loadAtEnd: [0.9, 0.8, 0.5] } }).ok).toBe(true);
  });
});

describe('measuringOtherWork', () => {
  it('reports nothing for a phase too short to count (a skipped phase)', async () => {
    const { result, otherCores } = await measuringOtherWork(async () => 'done');
    expect(result).toBe('done');
    expect(otherCores).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('reports a reading for a phase of at least a second', async () => {
    const { otherCores } = await measuringOtherWork(
      () => new Promise((resolve) => setTimeout(resolve, MIN_MEASURED_MS + 50)),
    );
    expect(otherCores).toBeGreaterThanOrEqual(0);
  });
});
