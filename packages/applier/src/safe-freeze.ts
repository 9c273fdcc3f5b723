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
import { withOneThread } from './one-thread.js';
import { readStacks } from './stack-reader.js';
import { HUNK_SIZE } from './layout.js';

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

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs fn with the tool in SCHED_FIFO when allowed (the freeze is shorter when nothing preempts us). */
function realtime<T>(sys: SysApi, fn: () => T): T {
  const raised = sys.setRealtime(true);
  try {
    return fn();
  } finally {
    if (raised) sys.setRealtime(false);
  }
}

function notesOf(checks: readonly ThreadCheck[]): string[] {
  return checks.filter((c) => c.method === 'scan').map((c) => `thread ${c.tid}: conservative stack scan (${c.note ?? 'no unwind'})`);
}

/**
 * Before the freeze, one thread is stopped and checked the way the freeze will check every
 * thread: the call-frame rows it needs are decoded and cached, and the code that runs in
 * the freeze has run once. The process's other threads keep running meanwhile.
 */
function warmUp(ctx: FreezeContext, ranges: readonly CodeRange[]): void {
  withOneThread(ctx.sys, ctx.pid, (t) => {
    const one: FrozenProcess = { pid: ctx.pid, threads: [t], frozenAt: 0n };
    for (let i = 0; i < WARM_UP_ROUNDS; i++) checkAll(ctx, one, ranges);
    // The same reads and writes as the action, of the bytes already there: a running thread sees no change.
    for (let i = 0; i < WARM_UP_WRITES; i++) for (const addr of ctx.writes) ctx.mem.write(addr, ctx.mem.read(addr, HUNK_SIZE));
  });
}

/** Enough calls for V8 to leave the interpreter for the check's hot functions. */
const WARM_UP_ROUNDS = 200;
const WARM_UP_WRITES = 20;

export function runFrozenWhenSafe<T>(ctx: FreezeContext, ranges: readonly CodeRange[], policy: RetryPolicy, action: (frozen: FrozenProcess) => T): FrozenRun<T> {
  warmUp(ctx, ranges);
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

function freezeLoop<T>(ctx: FreezeContext, ranges: readonly CodeRange[], policy: RetryPolicy, action: (frozen: FrozenProcess) => T): FrozenRun<T> {
  const deadline = Date.now() + policy.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const notes: string[] = [];
    const frozen = freezeProcess(ctx.sys, ctx.pid);
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
    let result: T;
    let end: bigint;
    try {
      result = action(frozen);
    } finally {
      end = thawProcess(ctx.sys, frozen);
    }
    return { result, frozenUs: Number((end - frozen.frozenAt) / 1000n), attempts: attempt, notes: [...notes, ...notesOf(checks)] };
  }
}
