/**
 * Stop every thread, check that none is inside the code about to change, and run the
 * change while the process is stopped. When a thread is busy, let the process run a little
 * and try again; after a bounded number of tries, give up with the process untouched.
 */
import { TscareError } from '@tscare/errors';
import { readMaps, type Vma } from './proc-maps.js';
import { getAddr } from './regs.js';
import type { ProcMem } from './proc-mem.js';
import { checkThread, describeBusy, vmaAt, type CodeRange, type ThreadCheck } from './safety.js';
import type { SysApi } from './sys.js';
import { freezeNewThreads, freezeProcess, thawProcess, type FrozenProcess } from './threads.js';
import { runForward } from './run-forward.js';
import type { UnwindTables } from './unwind.js';
import { rehearsal } from './fault.js';
import { awaitIdleHelpers } from './own-helpers.js';
import { readStacks } from './stack-reader.js';
import { HUNK_SIZE } from './layout.js';
import { sleepMs } from './sleep-ms.js';

export interface RetryPolicy {
  /** Busy for this long (run forward and retries together): refuse. */
  timeoutMs: number;
  /** Pause between two freezes. */
  waitMs: number;
  /**
   * Longest run forward within one freeze: a busy thread may be waiting for one of the
   * stopped threads, so after this the whole process runs again before the next try.
   */
  forwardRoundMs: number;
}

/** 3 s in all, LibcarePlus's run-forward limit. */
export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 3000, waitMs: 100, forwardRoundMs: 1000 };

/** What the freeze needs, all prepared before it. */
export interface FreezeContext {
  sys: SysApi;
  pid: number;
  mem: ProcMem;
  /** Maps read before the freeze (sorted by address). */
  vmas: readonly Vma[];
  tables: UnwindTables;
  /** Addresses the action will write (5 bytes each): written with their own bytes in the warm-up. */
  writes: readonly number[];
}

export interface FrozenRun<T> {
  result: T;
  /** Microseconds from the first thread stopped to the last one resumed (successful attempt). */
  frozenUs: number;
  attempts: number;
  /** How the check went, for -v: conservative scans with their reason, threads run forward. */
  notes: string[];
}

type Busy = Extract<ThreadCheck, { kind: 'busy' }>;

/** The maps read before the freeze, unless a thread's stack is not in them (a thread started since). */
function stackVmas(ctx: FreezeContext, frozen: FrozenProcess): readonly Vma[] {
  const covered = frozen.threads.every((t) => vmaAt(ctx.vmas, getAddr(t.regs, 'rsp')) !== undefined);
  // Reading maps costs a few hundred microseconds of freeze; only pay it when needed.
  return covered ? ctx.vmas : readMaps(ctx.pid);
}

export function checkAll(ctx: FreezeContext, frozen: FrozenProcess, ranges: readonly CodeRange[]): ThreadCheck[] {
  const vmas = stackVmas(ctx, frozen);
  const stacks = readStacks(ctx.sys, ctx.mem, ctx.pid, vmas, frozen.threads.map((t) => getAddr(t.regs, 'rsp')));
  return frozen.threads.map((t, i) => checkThread(t, stacks[i], ctx.tables, ranges));
}

/**
 * Runs fn with the tool's main thread in SCHED_FIFO when allowed (the freeze is shorter when
 * nothing preempts us) and its helper threads in SCHED_IDLE (they give way to the target).
 */
function realtime<T>(sys: SysApi, fn: () => T): T {
  const raised = sys.setRealtime(true);
  sys.yieldHelpers(true);
  try {
    return fn();
  } finally {
    sys.yieldHelpers(false);
    if (raised) sys.setRealtime(false);
  }
}

function notesOf(checks: readonly ThreadCheck[]): string[] {
  return checks.filter((c) => c.method === 'scan').map((c) => `thread ${c.tid}: conservative stack scan (${c.note ?? 'no unwind'})`);
}

/** The action's view of memory in the rehearsal: real reads, writes dropped. */
function dryRun(mem: ProcMem): ProcMem {
  return { read: (addr, len) => mem.read(addr, len), write: () => undefined, close: () => undefined };
}

/**
 * Before the freeze, the freeze is rehearsed on one thread while the others keep running:
 * the same stop, check and action code runs (the action with its writes dropped), so none of
 * it is compiled for the first time while every thread stands still (V8 compiles a function
 * on its first call: that alone cost about 200 µs of a one-thread freeze), and the call-frame
 * rows the check needs are decoded and cached.
 */
function rehearse<T>(ctx: FreezeContext, ranges: readonly CodeRange[], action: FrozenAction<T>, rounds: number): void {
  const one = freezeProcess(ctx.sys, ctx.pid, 1);
  try {
    for (let i = 0; i < rounds; i++) forwardWhileBusy(ctx, one, ranges, 0, []);
    // The same reads and writes as the action, of the bytes already there: a running thread sees no change.
    for (let i = 0; i < Math.min(rounds, WARM_UP_WRITES); i++) for (const addr of ctx.writes) ctx.mem.write(addr, ctx.mem.read(addr, HUNK_SIZE));
    rehearsal(() => action(one, dryRun(ctx.mem)));
  } finally {
    thawProcess(ctx.sys, one);
  }
}

/** Enough calls for V8 to leave the interpreter for the check's hot functions. */
const WARM_UP_ROUNDS = 200;
/** Rounds of the same-bytes writes (each costs one read and one write per replaced function). */
const WARM_UP_WRITES = 20;
/** Longest wait for V8's background compiles to finish before the freeze. */
const SETTLE_MAX_MS = 50;

/**
 * Rehearses the freeze until its code is compiled and optimized, waits until V8's background
 * compiles of it are done, then rehearses once more: the freeze follows at once, with warm
 * caches, and no optimized code is installed while the target stands still.
 */
function prepare<T>(ctx: FreezeContext, ranges: readonly CodeRange[], action: FrozenAction<T>): void {
  rehearse(ctx, ranges, action, WARM_UP_ROUNDS);
  awaitIdleHelpers(SETTLE_MAX_MS);
  rehearse(ctx, ranges, action, 1);
}

/**
 * What runs in the freeze once no thread is busy: only memory reads and writes, through
 * `mem` (the rehearsal passes one that drops the writes).
 */
export type FrozenAction<T> = (frozen: FrozenProcess, mem: ProcMem) => T;

export function runFrozenWhenSafe<T>(ctx: FreezeContext, ranges: readonly CodeRange[], policy: RetryPolicy, action: FrozenAction<T>): FrozenRun<T> {
  prepare(ctx, ranges, action);
  return realtime(ctx.sys, () => freezeLoop(ctx, ranges, policy, action));
}

/**
 * While every busy thread has a place to stop at (a precise unwind), runs them forward and
 * checks again, inside the same freeze. Returns the checks at the end.
 */
function forwardWhileBusy(ctx: FreezeContext, frozen: FrozenProcess, ranges: readonly CodeRange[], budgetMs: number, notes: string[]): ThreadCheck[] {
  let checks = checkAll(ctx, frozen, ranges);
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const busy = checks.filter((c): c is Busy => c.kind === 'busy');
    const left = deadline - Date.now();
    if (busy.length === 0 || left <= 0 || busy.some((b) => b.returnIp === undefined)) return checks;
    const r = runForward(ctx.sys, ctx.mem, frozen, busy.map((b) => ({ tid: b.tid, returnIp: b.returnIp! })), left);
    notes.push(`ran ${busy.map((b) => `thread ${b.tid} out of ${b.range.name}`).join(', ')} forward: ${r.reached.length} reached the return, ${r.timedOut.length} did not (${r.elapsedMs} ms)`);
    // A thread that ran may have started others.
    freezeNewThreads(ctx.sys, frozen);
    checks = checkAll(ctx, frozen, ranges);
  }
}

function refuse(ctx: FreezeContext, busy: Busy, attempt: number, policy: RetryPolicy): never {
  const forward = busy.returnIp === undefined ? 'its stack could not be unwound precisely, so it was not run forward' : 'it was run forward to its return';
  throw new TscareError('SAFETY_CHECK_FAILED', `${describeBusy(ctx.pid, busy)}; still busy after ${attempt} tries in ${policy.timeoutMs} ms (${forward})`, {
    hint: 'the process was left as it was; try again when it is idle, or patch a function that is not always running',
  });
}

function freezeLoop<T>(ctx: FreezeContext, ranges: readonly CodeRange[], policy: RetryPolicy, action: FrozenAction<T>): FrozenRun<T> {
  const deadline = Date.now() + policy.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const notes: string[] = [];
    const frozen = freezeProcess(ctx.sys, ctx.pid);
    const stopped = process.hrtime.bigint();
    let checks: ThreadCheck[];
    try {
      checks = forwardWhileBusy(ctx, frozen, ranges, Math.min(policy.forwardRoundMs, deadline - Date.now()), notes);
    } catch (e) {
      thawProcess(ctx.sys, frozen);
      throw e;
    }
    const busy = checks.find((c): c is Busy => c.kind === 'busy');
    if (busy) {
      thawProcess(ctx.sys, frozen);
      if (Date.now() + policy.waitMs >= deadline) refuse(ctx, busy, attempt, policy);
      sleepMs(policy.waitMs);
      continue;
    }
    const checked = process.hrtime.bigint();
    let result: T;
    let acted = 0n;
    let end: bigint;
    try {
      result = action(frozen, ctx.mem);
      acted = process.hrtime.bigint();
    } finally {
      end = thawProcess(ctx.sys, frozen);
    }
    const us = (from: bigint, to: bigint): string => `${(to - from) / 1000n} µs`;
    const phases = `frozen ${us(frozen.frozenAt, end)}: stopping ${frozen.threads.length} thread(s) ${us(frozen.frozenAt, stopped)}, stack check ${us(stopped, checked)}, writes ${us(checked, acted)}, resuming ${us(acted, end)}`;
    return { result, frozenUs: Number((end - frozen.frozenAt) / 1000n), attempts: attempt, notes: [...notes, ...notesOf(checks), phases] };
  }
}
