/**
 * Running busy threads out of the code we are about to change (reference §7.9): a 0xCC at
 * the address the outermost busy frame returns to, only those threads resumed, each caught
 * at the breakpoint (pc = breakpoint + 1, then set back), bytes restored. The other threads
 * stay stopped. Bounded in time; threads that do not get there are stopped again where
 * they are, and the caller checks everything once more.
 */
import { USER_REGS_SIZE, getAddr, setReg } from './regs.js';
import type { ProcMem } from './proc-mem.js';
import { PTRACE_CONT, PTRACE_GETREGS, PTRACE_INTERRUPT, PTRACE_SETREGS, SIGTRAP, type SysApi, type WaitStatus } from './sys.js';
import type { FrozenProcess, FrozenThread } from './threads.js';
import { sleepMs } from './sleep-ms.js';

const INT3 = Buffer.from([0xcc]);
/** How often the running threads are polled. */
const POLL_MS = 1;

export interface ForwardRequest {
  tid: number;
  returnIp: number;
}

export interface ForwardOutcome {
  /** Threads that reached their breakpoint. */
  reached: number[];
  /** Threads stopped again at the deadline, elsewhere. */
  timedOut: number[];
  elapsedMs: number;
}

function refreshRegs(sys: SysApi, t: FrozenThread): void {
  const regs = Buffer.alloc(USER_REGS_SIZE);
  sys.ptraceBuf(PTRACE_GETREGS, t.tid, regs);
  t.regs = regs;
}

/** A stop at one of our breakpoints: pc back onto it. true if that was it. */
function atBreakpoint(sys: SysApi, t: FrozenThread, st: WaitStatus, breakpoints: ReadonlySet<number>): boolean {
  if (st.kind !== 'stopped' || st.signal !== SIGTRAP || st.event !== 0) return false;
  refreshRegs(sys, t);
  const pc = getAddr(t.regs, 'rip') - 1;
  if (!breakpoints.has(pc)) return false;
  setReg(t.regs, 'rip', pc);
  sys.ptraceBuf(PTRACE_SETREGS, t.tid, t.regs);
  return true;
}

/** One report from a running thread: 'reached', 'gone', or keep running (signals are delivered). */
function handleReport(sys: SysApi, t: FrozenThread, st: WaitStatus, breakpoints: ReadonlySet<number>): 'reached' | 'gone' | 'running' {
  if (st.kind !== 'stopped') return 'gone';
  if (atBreakpoint(sys, t, st, breakpoints)) return 'reached';
  // A signal for the thread: deliver it (its handler may be what lets it return); a ptrace
  // event stop: just go on.
  sys.ptrace(PTRACE_CONT, t.tid, 0, st.event === 0 ? st.signal : 0, ['ESRCH']);
  return 'running';
}

/** Stops a thread that did not reach its breakpoint in time, wherever it is. */
function stopAgain(sys: SysApi, t: FrozenThread, breakpoints: ReadonlySet<number>): 'reached' | 'gone' | 'stopped' {
  if (sys.ptrace(PTRACE_INTERRUPT, t.tid, 0, 0, ['ESRCH']) !== 0) return 'gone';
  const st = sys.waitTid(t.tid);
  if (st.kind !== 'stopped') return 'gone';
  if (atBreakpoint(sys, t, st, breakpoints)) return 'reached';
  // A signal-delivery stop before our interrupt's: the thread is stopped; the signal is given back on detach.
  if (st.event === 0 && st.signal !== SIGTRAP) t.pendingSignal = st.signal;
  refreshRegs(sys, t);
  return 'stopped';
}

export function runForward(sys: SysApi, mem: ProcMem, frozen: FrozenProcess, requests: readonly ForwardRequest[], budgetMs: number): ForwardOutcome {
  const start = Date.now();
  const breakpoints = new Set(requests.map((r) => r.returnIp));
  const saved = new Map([...breakpoints].map((ip) => [ip, mem.read(ip, 1)]));
  const running = new Map<number, FrozenThread>();
  const out: ForwardOutcome = { reached: [], timedOut: [], elapsedMs: 0 };
  const gone = (tid: number): void => {
    frozen.threads = frozen.threads.filter((t) => t.tid !== tid);
  };
  try {
    for (const ip of breakpoints) mem.write(ip, INT3);
    for (const r of requests) {
      const t = frozen.threads.find((x) => x.tid === r.tid)!;
      if (sys.ptrace(PTRACE_CONT, t.tid, 0, t.pendingSignal, ['ESRCH']) !== 0) gone(t.tid);
      else running.set(t.tid, t);
      t.pendingSignal = 0;
    }
    while (running.size > 0 && Date.now() - start < budgetMs) {
      for (const t of [...running.values()]) {
        const st = sys.pollTid(t.tid);
        if (!st) continue;
        const r = handleReport(sys, t, st, breakpoints);
        if (r === 'running') continue;
        running.delete(t.tid);
        if (r === 'reached') out.reached.push(t.tid);
        else gone(t.tid);
      }
      if (running.size > 0) sleepMs(POLL_MS);
    }
    for (const t of running.values()) {
      const r = stopAgain(sys, t, breakpoints);
      if (r === 'reached') out.reached.push(t.tid);
      else if (r === 'gone') gone(t.tid);
      else out.timedOut.push(t.tid);
    }
  } finally {
    for (const [ip, byte] of saved) mem.write(ip, byte);
  }
  out.elapsedMs = Date.now() - start;
  return out;
}
