/**
 * Running a few instructions inside the target: a `syscall; int3` stub (or `call *%rax; int3`
 * for IFUNC resolvers) written over executable bytes of the target, run by one stopped
 * thread, then everything (registers and bytes) put back.
 */
import { TscareError } from '@tscare/errors';
import { getAddr, getReg, setReg, USER_REGS_SIZE, type RegName } from './regs.js';
import { errnoName, PTRACE_CONT, PTRACE_SETREGS, PTRACE_GETREGS, SIGTRAP, type SysApi } from './sys.js';
import type { ProcMem } from './proc-mem.js';
import type { FrozenThread } from './threads.js';

export const SYSCALL_STUB = Buffer.from([0x0f, 0x05, 0xcc]);
export const CALL_RAX_STUB = Buffer.from([0xff, 0xd0, 0xcc]);
/** Room every stub needs. */
export const STUB_SIZE = 3;
/** The System V x86_64 red zone below %rsp that a leaf function may use without moving %rsp. */
const RED_ZONE = 128;

export const SYS_MMAP = 9;
export const SYS_MPROTECT = 10;
export const SYS_MUNMAP = 11;

export interface RemoteContext {
  sys: SysApi;
  mem: ProcMem;
  thread: FrozenThread;
  /** Address of executable bytes we may borrow for the stub. */
  stubAddr: number;
}

const SYSCALL_ARG_REGS: RegName[] = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'];

function runStub(ctx: RemoteContext, stub: Buffer, setup: (regs: Buffer) => void): Buffer {
  const { sys, mem, thread, stubAddr } = ctx;
  const savedCode = mem.read(stubAddr, stub.length);
  const regs = Buffer.from(thread.regs);
  setup(regs);
  setReg(regs, 'rip', stubAddr);
  // Without this, a thread stopped inside a system call would have the kernel restart that
  // call over our stub on resume.
  setReg(regs, 'orig_rax', -1n);
  mem.write(stubAddr, stub);
  try {
    sys.ptraceBuf(PTRACE_SETREGS, thread.tid, regs);
    waitForTrap(ctx, stubAddr + stub.length);
    const out = Buffer.alloc(regs.length);
    sys.ptraceBuf(PTRACE_GETREGS, thread.tid, out);
    return out;
  } finally {
    sys.ptraceBuf(PTRACE_SETREGS, thread.tid, thread.regs);
    mem.write(stubAddr, savedCode);
  }
}

function waitForTrap(ctx: RemoteContext, expectedIp: number): void {
  const { sys, thread } = ctx;
  for (;;) {
    sys.ptrace(PTRACE_CONT, thread.tid, 0, 0);
    const st = sys.waitTid(thread.tid);
    if (st.kind !== 'stopped') {
      throw new TscareError('REMOTE_EXEC_DIED', `thread ${thread.tid} ended while running injected code`);
    }
    if (st.signal === SIGTRAP && st.event === 0) break;
    if (st.event !== 0) continue; // a late interrupt or group stop: keep going
    // Another signal: keep it for after we are done, so no handler runs on our stub.
    thread.pendingSignal = st.signal;
  }
  const regs = Buffer.alloc(USER_REGS_SIZE);
  sys.ptraceBuf(PTRACE_GETREGS, thread.tid, regs);
  const ip = getAddr(regs, 'rip');
  if (ip !== expectedIp) {
    throw new TscareError('REMOTE_EXEC_FAILED', `injected code in thread ${thread.tid} stopped at 0x${ip.toString(16)}, expected 0x${expectedIp.toString(16)}`);
  }
}

/** Runs one system call in the target; returns the raw result (negative errno on failure). */
export function remoteSyscall(ctx: RemoteContext, nr: number, args: readonly (number | bigint)[]): bigint {
  const out = runStub(ctx, SYSCALL_STUB, (regs) => {
    setReg(regs, 'rax', nr);
    args.forEach((a, i) => setReg(regs, SYSCALL_ARG_REGS[i], a));
  });
  return BigInt.asIntN(64, getReg(out, 'rax'));
}

const CALL_ARG_REGS: RegName[] = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];

/**
 * Calls a function in the target with up to six integer arguments (an IFUNC resolver takes
 * none) and returns %rax.
 */
export function remoteCall(ctx: RemoteContext, fn: number, args: readonly number[] = []): number {
  if (args.length > CALL_ARG_REGS.length) throw new TscareError('REMOTE_EXEC_FAILED', `a remote call takes at most ${CALL_ARG_REGS.length} arguments, not ${args.length}`);
  const out = runStub(ctx, CALL_RAX_STUB, (regs) => {
    setReg(regs, 'rax', fn);
    args.forEach((a, i) => setReg(regs, CALL_ARG_REGS[i], a));
    // Stay clear of the stopped function's red zone and keep the ABI's 16-byte alignment.
    const rsp = (BigInt(getAddr(regs, 'rsp')) - BigInt(RED_ZONE)) & ~15n;
    setReg(regs, 'rsp', rsp);
  });
  return getAddr(out, 'rax');
}

/** A syscall whose failure is an error: returns the non-negative result. */
export function remoteSyscallChecked(ctx: RemoteContext, name: string, nr: number, args: readonly (number | bigint)[]): bigint {
  const r = remoteSyscall(ctx, nr, args);
  if (r < 0n && r >= -4095n) {
    throw new TscareError('REMOTE_SYSCALL_FAILED', `${name} run in thread ${ctx.thread.tid} failed: ${errnoName(Number(-r))}`);
  }
  return r;
}
