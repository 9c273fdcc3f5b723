/**
 * The pieces that keep the freeze short, on a real 5-thread process and on this process
 * itself: stopping only some threads (the rehearsal), fault points silent in a rehearsal,
 * the tool's helper threads giving way during the freeze, /proc/PID/mem errors that name
 * the pid, and -v saying where the freeze's time went.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTscareError } from '@tscare/errors';
import { loadSysApi, type SysApi } from './sys.js';
import { freezeProcess, thawProcess } from './threads.js';
import { openProcMem } from './proc-mem.js';
import { awaitIdleHelpers } from './own-helpers.js';
import { FIXTURES, buildFixture, killTarget, linesAfter, outputSize, runCtl, startTarget, type Target } from './test-targets.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
let dir: string;
let sys: SysApi;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-freeze-prep-'));
  sys = loadSysApi();
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Threads of pid in a ptrace stop ("t" in /proc/PID/task/TID/stat). */
function tracedThreads(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 't';
  });
}

/** Scheduling policy of each thread of this process but the main one (field 41 of stat). */
function helperPolicies(): number[] {
  return fs.readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid).map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  });
}

function threadsTarget(name: string): Target {
  const exe = path.join(dir, name);
  execFileSync('gcc', ['-O2', '-o', exe, path.join(FIXTURES, 'threads', 'threads.c'), '-lpthread']);
  const t = startTarget(exe, ['10'], path.join(dir, `${name}.out`));
  targets.push(t);
  return t;
}

test('freezeProcess with a limit of one stops one thread while the other four keep running', async () => {
  const t = threadsTarget('limit');
  await linesAfter(t.out, 0, 10);
  expect(fs.readdirSync(`/proc/${t.pid}/task`)).toHaveLength(5);
  const one = freezeProcess(sys, t.pid, 1);
  try {
    expect(one.threads).toHaveLength(1);
    expect(tracedThreads(t.pid)).toEqual([one.threads[0].tid]);
    // The others still print while that one stands still.
    const at = outputSize(t.out);
    const lines = await linesAfter(t.out, at, 6);
    expect(lines.length).toBe(6);
  } finally {
    thawProcess(sys, one);
  }
  expect(tracedThreads(t.pid)).toEqual([]);
  const all = freezeProcess(sys, t.pid);
  try {
    expect(all.threads).toHaveLength(5);
    expect(tracedThreads(t.pid).sort()).toEqual(all.threads.map((x) => x.tid).sort());
  } finally {
    thawProcess(sys, all);
  }
  expect(tracedThreads(t.pid)).toEqual([]);
});

test('a fault point inside a rehearsal passes silently; the same step outside it kills the tool', () => {
  const script = [
    `import { faultPoint, rehearsal } from '${path.join(DIST, 'fault.js')}';`,
    `rehearsal(() => faultPoint('patch:pending'));`,
    `console.log('after the rehearsal');`,
    `faultPoint('patch:pending');`,
    `console.log('after the real step');`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TSCARE_TEST_FAULT: 'patch:pending' } });
  expect(r.stdout).toBe('after the rehearsal\n');
  expect(r.signal).toBe('SIGKILL');
});

test('during the freeze the tool\'s helper threads are SCHED_IDLE, and SCHED_OTHER again after it', () => {
  const SCHED_OTHER = 0;
  const SCHED_IDLE = 5;
  expect(helperPolicies().length).toBeGreaterThan(0);
  sys.yieldHelpers(true);
  try {
    expect(new Set(helperPolicies())).toEqual(new Set([SCHED_IDLE]));
  } finally {
    sys.yieldHelpers(false);
  }
  expect(new Set(helperPolicies())).toEqual(new Set([SCHED_OTHER]));
});

test('waiting for idle helpers returns within its bound', () => {
  const waited = awaitIdleHelpers(20);
  expect(waited).toBeGreaterThanOrEqual(1);
  expect(waited).toBeLessThan(20 + 50);
});

test('a /proc/PID/mem read of an unmapped address fails with PROC_MEM_READ naming the address, the pid and the errno', async () => {
  const t = threadsTarget('memerr');
  await linesAfter(t.out, 0, 5);
  const mem = openProcMem(t.pid, false);
  try {
    let caught: unknown;
    try {
      mem.read(0x1000, 8);
    } catch (e) {
      caught = e;
    }
    expect(isTscareError(caught) && caught.code).toBe('PROC_MEM_READ');
    expect((caught as Error).message).toBe(`cannot read 8 bytes at 0x1000 of pid ${t.pid}: EIO`);
    // A readable address still reads after the failure: the ELF magic of the program's first mapping.
    const first = Number.parseInt(fs.readFileSync(`/proc/${t.pid}/maps`, 'utf8').split('-')[0], 16);
    expect(mem.read(first, 4).toString('latin1')).toBe('\x7fELF');
  } finally {
    mem.close();
  }
});

test('tscare-ctl -v says how long each phase of the freeze took, for all 5 threads', async () => {
  const fx = buildFixture(dir, 'threads', 'threads.s', 'threads-patched.s', '0007', ['-lpthread']);
  const t = startTarget(fx.exe, ['10'], path.join(dir, 'phases.out'));
  targets.push(t);
  expect((await linesAfter(t.out, 0, 10)).every((l) => l.endsWith(': old'))).toBe(true);
  const phases = /frozen (\d+) µs: stopping 5 thread\(s\) (\d+) µs, stack check (\d+) µs, writes (\d+) µs, resuming (\d+) µs/;
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), fx.kpatch]);
  expect(r.code).toBe(0);
  const m = phases.exec(r.stdout);
  expect(m).not.toBeNull();
  const [total, ...parts] = m!.slice(1).map(Number);
  // The phases are consecutive slices of the frozen time (each rounded down).
  expect(parts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total);
  expect(total - parts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(parts.length);
  expect(r.stdout).toContain(`frozen_time is ${total} microsecond`);
  const after = await linesAfter(t.out, outputSize(t.out), 10);
  expect(after.every((l) => /^thread [0-4]: new, every 10000 us$/.test(l))).toBe(true);
  const u = runCtl(['-v', 'unpatch', '-p', String(t.pid), '-i', '0007']);
  expect(u.code).toBe(0);
  expect(u.stdout).toMatch(/frozen \d+ µs: stopping 5 thread\(s\)/);
  const back = await linesAfter(t.out, outputSize(t.out), 10);
  expect(back.every((l) => /^thread [0-4]: old$/.test(l))).toBe(true);
  expect(fs.readdirSync(`/proc/${t.pid}/task`)).toHaveLength(5);
});
