/**
 * The native calls the applier needs (ptrace, waitpid), bound through koffi.
 *
 * Every call here is synchronous on purpose: ptrace requests are only accepted from the
 * thread that attached, and koffi's async calls run on other threads.
 */
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
export const WALL = 0x40000000;
export const SIGTRAP = 5;
export const SIGSTOP = 19;

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

  function fail(req: number, tid: number, err: number): never {
    const name = errnoName(err);
    const code = name === 'EPERM' ? 'PTRACE_DENIED' : name === 'ESRCH' ? 'PTRACE_NO_THREAD' : 'PTRACE_FAILED';
    throw new TscareError(code, `${REQUEST_NAMES[req] ?? `ptrace(${req})`} on thread ${tid} failed: ${name}`, {
      hint: name === 'EPERM' ? 'run tscare-ctl as root (or with CAP_SYS_PTRACE); is another debugger attached?' : undefined,
    });
  }

  return {
    ptrace(req, tid, addr, data, tolerate = []) {
      koffi.errno(0);
      const r = Number(ptraceInt(req, tid, addr, data));
      if (r !== -1) return 0;
      const err = koffi.errno();
      if (tolerate.includes(errnoName(err))) return err;
      return fail(req, tid, err);
    },
    ptraceBuf(req, tid, buf) {
      koffi.errno(0);
      if (Number(ptracePtr(req, tid, 0, buf)) === -1) fail(req, tid, koffi.errno());
    },
    waitTid(tid) {
      const st = Buffer.alloc(4);
      for (;;) {
        koffi.errno(0);
        const r = waitpid(tid, st, WALL) as number;
        if (r === tid) return decodeWaitStatus(st.readInt32LE(0));
        const err = koffi.errno();
        if (r === -1 && errnoName(err) === 'EINTR') continue;
        throw new TscareError('PTRACE_FAILED', `waitpid(${tid}) failed: ${errnoName(err)}`);
      }
    },
  };
}
