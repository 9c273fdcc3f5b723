/**
 * The native calls the applier needs (ptrace, waitpid), bound through koffi.
 *
 * Every call here is synchronous on purpose: ptrace requests are only accepted from the
 * thread that attached, and koffi's async calls run on other threads.
 */
import fs from 'node:fs';
import os from 'node:os';
import koffi from 'koffi';
import { TscareError } from '@tscare/errors';

export const PTRACE_CONT = 7;
export const PTRACE_GETREGS = 12;
export const PTRACE_SETREGS = 13;
export const PTRACE_DETACH = 17;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_INTERRUPT = 0x4207;
export const PTRACE_EVENT_STOP = 128;
export const PTRACE_EVENT_EXEC = 4;
export const PTRACE_O_TRACEEXEC = 0x10;
export const PTRACE_O_EXITKILL = 0x100000;
export const WALL = 0x40000000;
const WNOHANG = 1;
const IOVEC_SIZE = 16;
/** Most ranges one process_vm_readv call takes (IOV_MAX). */
export const MAX_READ_RANGES = 1024;
export const SIGTRAP = 5;
export const SIGSTOP = 19;
export const SIGCONT = 18;
const SCHED_OTHER = 0;
const SCHED_FIFO = 1;
const SCHED_IDLE = 5;
/** The lowest real-time priority: above every normal thread, below the kernel's own. */
const REALTIME_PRIORITY = 1;

/** One `waitpid` result, decoded. */
export type WaitStatus =
  | { kind: 'stopped'; signal: number; event: number }
  | { kind: 'exited'; code: number }
  | { kind: 'killed'; signal: number };

export interface SysApi {
  /** ptrace with integer addr/data; throws on -1 unless errno is in `tolerate`. Returns errno or 0. */
  ptrace(req: number, tid: number, addr: number, data: number, tolerate?: readonly string[]): number;
  /** ptrace whose data argument is a buffer (GETREGS/SETREGS). */
  ptraceBuf(req: number, tid: number, buf: Buffer): void;
  /** Blocking waitpid(tid, __WALL). */
  waitTid(tid: number): WaitStatus;
  /** waitpid(tid, __WALL | WNOHANG): undefined while the thread has nothing to report. */
  pollTid(tid: number): WaitStatus | undefined;
  /**
   * Puts the calling thread in SCHED_FIFO (true) or back in SCHED_OTHER (false); false if
   * the kernel refused. While the target is frozen the tool must not wait behind the
   * target's own runnable threads for a CPU.
   */
  setRealtime(on: boolean): boolean;
  /**
   * Puts every other thread of this process (V8's compiler and GC workers, libuv's pool) in
   * SCHED_IDLE (true) or back in SCHED_OTHER (false). Node starts them in SCHED_OTHER. A
   * target thread asked to stop must not wait behind one of them for a CPU: on two cores a
   * background compile once held a stop back for 1.8 ms.
   */
  yieldHelpers(on: boolean): void;
  /**
   * process_vm_readv: reads the remote ranges, back to back, into `into` (at most IOV_MAX
   * ranges). Returns the bytes read; it stops at the first range that cannot be read.
   */
  readRanges(pid: number, ranges: readonly { addr: number; len: number }[], into: Buffer): number;
}

export function errnoName(n: number): string {
  const entry = Object.entries(os.constants.errno).find(([, v]) => v === n);
  return entry ? entry[0] : `errno ${n}`;
}

const REQUEST_NAMES: Record<number, string> = {
  [PTRACE_CONT]: 'PTRACE_CONT', [PTRACE_GETREGS]: 'PTRACE_GETREGS', [PTRACE_SETREGS]: 'PTRACE_SETREGS',
  [PTRACE_DETACH]: 'PTRACE_DETACH', [PTRACE_SEIZE]: 'PTRACE_SEIZE', [PTRACE_INTERRUPT]: 'PTRACE_INTERRUPT',
};

export function decodeWaitStatus(status: number): WaitStatus {
  if ((status & 0xff) === 0x7f) return { kind: 'stopped', signal: (status >> 8) & 0xff, event: (status >> 16) & 0xffff };
  if ((status & 0x7f) === 0) return { kind: 'exited', code: (status >> 8) & 0xff };
  return { kind: 'killed', signal: status & 0x7f };
}

export function loadSysApi(): SysApi {
  const libc = koffi.load('libc.so.6');
  const ptraceInt = libc.func('long ptrace(long request, int pid, uintptr_t addr, uintptr_t data)');
  const ptracePtr = libc.func('ptrace', 'long', ['long', 'int', 'uintptr_t', 'void *']);
  const waitpid = libc.func('int waitpid(int pid, void *status, int options)');
  const schedSetscheduler = libc.func('int sched_setscheduler(int pid, int policy, void *param)');
  const processVmReadv = libc.func('long process_vm_readv(int pid, void *local, unsigned long liovcnt, void *remote, unsigned long riovcnt, unsigned long flags)');
  // Reused by every waitTid call of this SysApi: one allocation less per thread in the freeze.
  const st = Buffer.alloc(4);

  function fail(req: number, tid: number, err: number): never {
    const name = errnoName(err);
    const code = name === 'EPERM' ? 'PTRACE_DENIED' : name === 'ESRCH' ? 'PTRACE_NO_THREAD' : 'PTRACE_FAILED';
    throw new TscareError(code, `${REQUEST_NAMES[req] ?? `ptrace(${req})`} on thread ${tid} failed: ${name}`, {
      hint: name === 'EPERM' ? 'run tscare-ctl as root (or with CAP_SYS_PTRACE); is another debugger attached?' : undefined,
    });
  }

  return {
    ptrace(req, tid, addr, data, tolerate = []) {
      // No PEEK requests go through here, so -1 always means failure and errno is only read
      // then: this runs once or twice per thread while the process is frozen.
      const r = Number(ptraceInt(req, tid, addr, data));
      if (r !== -1) return 0;
      const err = koffi.errno();
      if (tolerate.includes(errnoName(err))) return err;
      return fail(req, tid, err);
    },
    ptraceBuf(req, tid, buf) {
      if (Number(ptracePtr(req, tid, 0, buf)) === -1) fail(req, tid, koffi.errno());
    },
    waitTid(tid) {
      for (;;) {
        const r = waitpid(tid, st, WALL) as number;
        if (r === tid) return decodeWaitStatus(st.readInt32LE(0));
        const err = koffi.errno();
        if (r === -1 && errnoName(err) === 'EINTR') continue;
        throw new TscareError('PTRACE_FAILED', `waitpid(${tid}) failed: ${errnoName(err)}`);
      }
    },
    pollTid(tid) {
      for (;;) {
        const r = waitpid(tid, st, WALL | WNOHANG) as number;
        if (r === tid) return decodeWaitStatus(st.readInt32LE(0));
        if (r === 0) return undefined;
        const err = koffi.errno();
        if (errnoName(err) === 'EINTR') continue;
        throw new TscareError('PTRACE_FAILED', `waitpid(${tid}, WNOHANG) failed: ${errnoName(err)}`);
      }
    },
    readRanges(pid, ranges, into) {
      // struct iovec { void *iov_base; size_t iov_len; }: one local vector for the whole buffer.
      const local = Buffer.alloc(IOVEC_SIZE);
      local.writeBigUInt64LE(BigInt(koffi.address(into)), 0);
      local.writeBigUInt64LE(BigInt(into.length), 8);
      const remote = Buffer.alloc(IOVEC_SIZE * ranges.length);
      ranges.forEach((r, i) => {
        remote.writeBigUInt64LE(BigInt(r.addr), i * IOVEC_SIZE);
        remote.writeBigUInt64LE(BigInt(r.len), i * IOVEC_SIZE + 8);
      });
      const n = Number(processVmReadv(pid, local, 1, remote, ranges.length, 0));
      return n < 0 ? 0 : n;
    },
    setRealtime(on) {
      const param = Buffer.alloc(4);
      param.writeInt32LE(on ? REALTIME_PRIORITY : 0);
      return schedSetscheduler(0, on ? SCHED_FIFO : SCHED_OTHER, param) === 0;
    },
    yieldHelpers(on) {
      const param = Buffer.alloc(4);
      for (const name of fs.readdirSync('/proc/self/task')) {
        const tid = Number(name);
        // Best effort: a helper that exits meanwhile, or a kernel that refuses, changes nothing.
        if (tid !== process.pid) schedSetscheduler(tid, on ? SCHED_IDLE : SCHED_OTHER, param);
      }
    },
  };
}
