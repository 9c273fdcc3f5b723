/**
 * Stop every thread, check that none is inside the code about to change, and run the
 * change while the process is stopped. When a thread is busy, let the process run a little
 * and try again; after a bounded number of tries, give up with the process untouched.
 */
import { TscareError } from '@tscare/errors';
import { readMaps, type Vma } from './proc-maps.js';
import { getAddr } from './regs.js';
import type { ProcMem } from './proc-mem.js';
import { describeBusy, findBusyThread, type CodeRange } from './safety.js';
import type { SysApi } from './sys.js';
import { freezeProcess, thawProcess, type FrozenProcess } from './threads.js';

export interface RetryPolicy {
  attempts: number;
  waitMs: number;
}

/** About 3 s in all, as LibcarePlus's run-forward limit. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 30, waitMs: 100 };

export interface FrozenRun<T> {
  result: T;
  /** Microseconds from the first thread stopped to the last one resumed (successful attempt). */
  frozenUs: number;
  attempts: number;
}

/** The maps read before the freeze, unless a thread's stack is not in them (a thread started since). */
function stackVmas(pid: number, frozen: FrozenProcess, known: readonly Vma[]): readonly Vma[] {
  const covered = frozen.threads.every((t) => {
    const rsp = getAddr(t.regs, 'rsp');
    return known.some((v) => rsp >= v.start && rsp < v.end);
  });
  // Reading maps costs a few hundred microseconds of freeze; only pay it when needed.
  return covered ? known : readMaps(pid);
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function runFrozenWhenSafe<T>(
  sys: SysApi, pid: number, mem: ProcMem, knownVmas: readonly Vma[], ranges: readonly CodeRange[], policy: RetryPolicy,
  action: (frozen: FrozenProcess) => T,
): FrozenRun<T> {
  for (let attempt = 1; ; attempt++) {
    const frozen = freezeProcess(sys, pid);
    let busy;
    try {
      busy = findBusyThread(frozen, mem, stackVmas(pid, frozen, knownVmas), ranges);
    } catch (e) {
      thawProcess(sys, frozen);
      throw e;
    }
    if (busy) {
      thawProcess(sys, frozen);
      if (attempt >= policy.attempts) {
        throw new TscareError('SAFETY_CHECK_FAILED', `${describeBusy(pid, busy)}; still busy after ${attempt} tries`, {
          hint: 'the process was left as it was; try again when it is idle, or patch a function that is not always running',
        });
      }
      sleepMs(policy.waitMs);
      continue;
    }
    let result: T;
    let end: bigint;
    try {
      result = action(frozen);
    } finally {
      end = thawProcess(sys, frozen);
    }
    return { result, frozenUs: Number((end - frozen.frozenAt) / 1000n), attempts: attempt };
  }
}
