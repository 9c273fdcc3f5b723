/**
 * Freezing and thawing every thread of a process with PTRACE_SEIZE + PTRACE_INTERRUPT.
 * All threads stay in a ptrace stop from freeze to thaw; thaw is PTRACE_DETACH, which also
 * hands back any signal that arrived while we held the thread.
 */
import fs from 'node:fs';
import { TscareError } from '@tscare/errors';
import { errnoName, PTRACE_DETACH, PTRACE_GETREGS, PTRACE_INTERRUPT, PTRACE_SEIZE, SIGTRAP, type SysApi, type WaitStatus } from './sys.js';
import { alreadyTraced, threadGone, tracerOf } from './process-state.js';
import { USER_REGS_SIZE } from './regs.js';

export interface FrozenThread {
  tid: number;
  /** Registers as they were at the stop; restored by code that changes them. */
  regs: Buffer;
  /** A signal taken from the thread while stopped, given back on detach (0 = none). */
  pendingSignal: number;
}

export interface FrozenProcess {
  pid: number;
  /** In /proc/PID/task order; the first one runs injected code. */
  threads: FrozenThread[];
  /** process.hrtime.bigint() just before the first thread was asked to stop. */
  frozenAt: bigint;
}

/** Rounds of re-listing /proc/PID/task before we give up on a process that keeps spawning. */
const MAX_LISTING_ROUNDS = 10;

export function listTasks(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch (e) {
    throw new TscareError('PROCESS_NOT_FOUND', `process ${pid} does not exist (cannot list /proc/${pid}/task: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

/**
 * Seizes a thread of process `pid` without stopping it; false if the thread vanished meanwhile.
 * A seized thread runs on: seizing is done before the freeze's clock starts.
 */
export function seize(sys: SysApi, pid: number, tid: number): boolean {
  const err = sys.ptrace(PTRACE_SEIZE, tid, 0, 0, ['ESRCH', 'EPERM']);
  if (err !== 0 && errnoName(err) === 'EPERM') {
    if (threadGone(pid, tid)) return false;
    // Another debugger attached since we looked: say who, not just EPERM.
    const tracer = tracerOf(pid, tid);
    if (tracer !== 0) throw alreadyTraced(pid, tid, tracer);
    throw new TscareError('PTRACE_DENIED', `PTRACE_SEIZE on thread ${tid} of process ${pid} failed: EPERM`, {
      hint: 'run tscare-ctl as root (or with CAP_SYS_PTRACE); the process was not touched',
    });
  }
  return err === 0;
}

/** Asks a seized thread to stop; false if it exited meanwhile. */
function interrupt(sys: SysApi, tid: number): boolean {
  return sys.ptrace(PTRACE_INTERRUPT, tid, 0, 0, ['ESRCH']) === 0;
}

/** Seizes a thread of process `pid` and asks it to stop; false if the thread vanished meanwhile. */
export function requestStop(sys: SysApi, pid: number, tid: number): boolean {
  return seize(sys, pid, tid) && interrupt(sys, tid);
}

/**
 * How long to poll for a stop before blocking in waitpid. A stop usually comes within tens of
 * microseconds; sleeping in waitpid instead lets this CPU go idle, and on a virtual machine
 * waking it again costs about 50 µs more. Bounded, since the thread may be queued behind us.
 */
const POLL_BEFORE_BLOCKING_NS = 80_000n;

function pollBriefly(sys: SysApi, tid: number): WaitStatus | undefined {
  const until = process.hrtime.bigint() + POLL_BEFORE_BLOCKING_NS;
  do {
    const st = sys.pollTid(tid);
    if (st) return st;
  } while (process.hrtime.bigint() < until);
  return undefined;
}

/** Waits for the stop requested by requestStop; undefined if the thread exited instead. */
export function awaitStop(sys: SysApi, tid: number): FrozenThread | undefined {
  const st = pollBriefly(sys, tid) ?? sys.waitTid(tid);
  if (st.kind !== 'stopped') return undefined;
  // event != 0 is our interrupt (or a group stop). A signal-delivery stop may come first:
  // the thread is stopped all the same; keep the signal and give it back on detach.
  const pendingSignal = st.event === 0 && st.signal !== SIGTRAP ? st.signal : 0;
  const regs = Buffer.alloc(USER_REGS_SIZE);
  sys.ptraceBuf(PTRACE_GETREGS, tid, regs);
  return { tid, regs, pendingSignal };
}

/**
 * Seizes each thread; the ones seized so far are stopped and released if one cannot be
 * (a seized thread that is not stopped cannot be detached).
 */
function seizeAll(sys: SysApi, pid: number, tids: readonly number[]): number[] {
  const seized: number[] = [];
  try {
    for (const tid of tids) if (seize(sys, pid, tid)) seized.push(tid);
  } catch (e) {
    const stopped = seized.filter((tid) => interrupt(sys, tid)).map((tid) => awaitStop(sys, tid));
    thawProcess(sys, { pid, threads: stopped.filter((t): t is FrozenThread => t !== undefined), frozenAt: 0n });
    throw e;
  }
  return seized;
}

/**
 * Stops every thread of the process, or only the first `maxThreads` listed: the freeze's
 * rehearsal stops one thread through this same code while the others run.
 */
export function freezeProcess(sys: SysApi, pid: number, maxThreads = Infinity): FrozenProcess {
  const frozen: FrozenProcess = { pid, threads: [], frozenAt: 0n };
  const seen = new Set<number>();
  try {
    for (let round = 0; frozen.threads.length < maxThreads; round++) {
      const fresh = listTasks(pid).filter((t) => !seen.has(t)).slice(0, maxThreads - frozen.threads.length);
      if (fresh.length === 0) break;
      if (round >= MAX_LISTING_ROUNDS) {
        throw new TscareError('PROCESS_UNSTABLE', `process ${pid} keeps creating threads; could not stop them all`, {
          hint: 'try again when the process is less busy',
        });
      }
      for (const tid of fresh) seen.add(tid);
      const seized = seizeAll(sys, pid, fresh);
      // The clock starts before the first interrupt: that thread stops as soon as it is asked.
      if (frozen.frozenAt === 0n) frozen.frozenAt = process.hrtime.bigint();
      // Ask every thread first, then collect the stops: the threads stop in parallel.
      const asked = seized.filter((tid) => interrupt(sys, tid));
      for (const tid of asked) {
        const t = awaitStop(sys, tid);
        if (t) frozen.threads.push(t);
      }
    }
  } catch (e) {
    thawProcess(sys, frozen);
    throw e;
  }
  if (frozen.threads.length === 0) {
    throw new TscareError('PROCESS_NOT_FOUND', `process ${pid} has no thread left to stop`);
  }
  return frozen;
}

/** Stops the threads that appeared since the freeze (a thread that ran may have created some). */
export function freezeNewThreads(sys: SysApi, frozen: FrozenProcess): void {
  const known = new Set(frozen.threads.map((t) => t.tid));
  for (let round = 0; round < MAX_LISTING_ROUNDS; round++) {
    const fresh = listTasks(frozen.pid).filter((t) => !known.has(t));
    if (fresh.length === 0) return;
    const asked = fresh.filter((tid) => {
      known.add(tid);
      return requestStop(sys, frozen.pid, tid);
    });
    for (const tid of asked) {
      const t = awaitStop(sys, tid);
      if (t) frozen.threads.push(t);
    }
  }
  throw new TscareError('PROCESS_UNSTABLE', `process ${frozen.pid} keeps creating threads; could not stop them all`, {
    hint: 'try again when the process is less busy',
  });
}

/** Detaches every thread; returns process.hrtime.bigint() after the last one resumed. */
export function thawProcess(sys: SysApi, frozen: FrozenProcess): bigint {
  for (const t of frozen.threads) {
    sys.ptrace(PTRACE_DETACH, t.tid, 0, t.pendingSignal, ['ESRCH']);
  }
  return process.hrtime.bigint();
}
