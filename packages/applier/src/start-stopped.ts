/**
 * Starting a program held at its entry point, for `tscare-ctl exec`: every DT_NEEDED library
 * is mapped and relocated by ld.so, and not one instruction of the program itself has run.
 *
 * The program must not be a child of this Node process: libuv's SIGCHLD handling would reap
 * its ptrace stops. `setsid -f` makes it a grandchild in a session of its own (a shell's `&`
 * would do too, but a non-interactive shell makes its background jobs ignore SIGINT and
 * SIGQUIT, and that would survive the exec). The shell writes its pid, stops itself, and
 * once resumed by us execs the program in the same process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { PT_INTERP, readElfFile, SHN_UNDEF } from '@tscare/elf';
import { TscareError } from '@tscare/errors';
import { faultPoint } from './fault.js';
import { openProcMem } from './proc-mem.js';
import { getAddr, setReg, USER_REGS_SIZE } from './regs.js';
import {
  PTRACE_CONT, PTRACE_DETACH, PTRACE_EVENT_EXEC, PTRACE_GETREGS, PTRACE_INTERRUPT, PTRACE_O_EXITKILL, PTRACE_O_TRACEEXEC, PTRACE_SEIZE,
  PTRACE_SETREGS, SIGCONT, SIGSTOP, SIGTRAP, type SysApi, type WaitStatus,
} from './sys.js';
import { sleepMs } from './sleep-ms.js';

/** ld.so maps and relocates every library before the entry point; big programs take a while. */
const ENTRY_TIMEOUT_MS = 10000;
/** The shell between setsid and the exec only runs `echo` and `kill`. */
const START_TIMEOUT_MS = 5000;
const POLL_MS = 1;
const AT_ENTRY = 9n;
const INT3 = 0xcc;

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function waitForState(pid: number, state: string, what: string): void {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const s = procState(pid);
    if (s === state) return;
    if (s === undefined || s === 'Z') throw new TscareError('EXEC_FAILED', `process ${pid} exited while ${what}`);
    if (Date.now() > deadline) throw new TscareError('EXEC_FAILED', `process ${pid} did not stop within ${START_TIMEOUT_MS} ms while ${what} (state ${s})`);
    sleepMs(POLL_MS);
  }
}

/** Starts `sh` (to become PROGRAM) stopped by its own SIGSTOP; stdio are ours. */
function spawnSelfStopped(program: string, args: readonly string[]): number {
  const script = 'echo $$ >&3; exec 3>&-; kill -STOP $$; exec "$@"';
  const r = spawnSync('setsid', ['-f', 'sh', '-c', script, 'sh', program, ...args], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const pid = Number(r.output?.[3]?.toString().trim());
  if (r.error || !Number.isInteger(pid) || pid <= 0) {
    throw new TscareError('EXEC_FAILED', `could not start ${program} through setsid -f: ${r.error?.message ?? `exit status ${r.status}`}`, {
      hint: 'setsid (util-linux) and sh must be on PATH',
    });
  }
  waitForState(pid, 'T', `starting ${program}`);
  return pid;
}

function waitBounded(sys: SysApi, pid: number, deadline: number, what: string): WaitStatus {
  for (;;) {
    const st = sys.pollTid(pid);
    if (st) return st;
    if (Date.now() > deadline) {
      sys.ptrace(PTRACE_INTERRUPT, pid, 0, 0, ['ESRCH']);
      throw new TscareError('EXEC_TIMEOUT', `process ${pid} did not reach ${what} within the time limit`, {
        hint: 'the program was killed; is it a static binary or a loader run directly?',
      });
    }
    sleepMs(POLL_MS);
  }
}

function ended(pid: number, st: WaitStatus, what: string): never {
  const how = st.kind === 'exited' ? `exited with status ${st.code}` : `was killed by signal ${st.kind === 'killed' ? st.signal : '?'}`;
  throw new TscareError('EXEC_FAILED', `process ${pid} ${how} before ${what}`, { hint: 'see the program\'s own error output above (not found? not executable?)' });
}

/** Resumes from a stop that is not the one we wait for; signals of our own start-up are dropped. */
function resumePast(sys: SysApi, pid: number, st: Extract<WaitStatus, { kind: 'stopped' }>): void {
  const own = st.signal === SIGSTOP || st.signal === SIGCONT;
  sys.ptrace(PTRACE_CONT, pid, 0, st.event === 0 && !own ? st.signal : 0);
}

function runToExec(sys: SysApi, pid: number, program: string): void {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const st = waitBounded(sys, pid, deadline, `the exec of ${program}`);
    if (st.kind !== 'stopped') ended(pid, st, `the exec of ${program}`);
    if (st.event === PTRACE_EVENT_EXEC) return;
    resumePast(sys, pid, st);
  }
}

/**
 * `ld.so PROGRAM` run directly: AT_ENTRY is the loader's own, reached before PROGRAM and its
 * libraries are even mapped, so patching there would find nothing and let PROGRAM run
 * unpatched. Only ld.so defines `_rtld_global`.
 */
function refuseLoaderAsProgram(pid: number, program: string): void {
  const elf = readElfFile(`/proc/${pid}/exe`);
  if (elf.programHeaders.some((p) => p.p_type === PT_INTERP)) return;
  const dynsym = elf.sectionByName('.dynsym');
  if (dynsym && elf.symbols(dynsym).some((sym) => sym.name === '_rtld_global' && sym.st_shndx !== SHN_UNDEF)) {
    throw new TscareError('EXEC_UNSUPPORTED', `${program} is the dynamic loader: its entry point comes before the program it loads is mapped`, {
      hint: 'run the program itself: tscare-ctl exec --storage DIR -- PROGRAM ARGS',
    });
  }
}

export function entryPoint(pid: number): number {
  const auxv = fs.readFileSync(`/proc/${pid}/auxv`);
  for (let off = 0; off + 16 <= auxv.length; off += 16) {
    const type = auxv.readBigUInt64LE(off);
    if (type === AT_ENTRY) return Number(auxv.readBigUInt64LE(off + 8));
    if (type === 0n) break;
  }
  throw new TscareError('EXEC_FAILED', `no AT_ENTRY in /proc/${pid}/auxv`);
}

/** Breakpoint at the entry point, run ld.so, take the breakpoint back and rewind rip onto it. */
function runToEntry(sys: SysApi, pid: number, entry: number): void {
  const mem = openProcMem(pid, true);
  try {
    const saved = mem.read(entry, 1);
    mem.write(entry, Buffer.from([INT3]));
    sys.ptrace(PTRACE_CONT, pid, 0, 0);
    const regs = Buffer.alloc(USER_REGS_SIZE);
    const deadline = Date.now() + ENTRY_TIMEOUT_MS;
    for (;;) {
      const st = waitBounded(sys, pid, deadline, `its entry point 0x${entry.toString(16)}`);
      if (st.kind !== 'stopped') ended(pid, st, `its entry point 0x${entry.toString(16)}`);
      if (st.event === 0 && st.signal === SIGTRAP) {
        sys.ptraceBuf(PTRACE_GETREGS, pid, regs);
        if (getAddr(regs, 'rip') === entry + 1) break;
      }
      resumePast(sys, pid, st);
    }
    mem.write(entry, saved);
    setReg(regs, 'rip', entry);
    sys.ptraceBuf(PTRACE_SETREGS, pid, regs);
  } finally {
    mem.close();
  }
}

/**
 * Starts PROGRAM and returns its pid once it stands at its entry point, untraced and in a
 * group stop (state T), so the normal patch path handles it as any stopped process; SIGCONT
 * starts it. On failure the program is killed: none of its own code has run. Should
 * tscare-ctl itself die meanwhile, the program is killed with it while traced, and stays
 * stopped (never running unpatched) once in the group stop.
 */
export function startAtEntry(sys: SysApi, program: string, args: readonly string[]): number {
  const pid = spawnSelfStopped(program, args);
  try {
    // EXITKILL: should tscare-ctl die before the detach, the program dies too rather than run unpatched.
    sys.ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
    process.kill(pid, 'SIGCONT');
    runToExec(sys, pid, program);
    refuseLoaderAsProgram(pid, program);
    runToEntry(sys, pid, entryPoint(pid));
    faultPoint('exec:at-entry');
    // Detaching with SIGSTOP turns our stop into a group stop: the program stays put, untraced.
    sys.ptrace(PTRACE_DETACH, pid, 0, SIGSTOP);
    waitForState(pid, 'T', `holding ${program} at its entry point`);
    return pid;
  } catch (e) {
    killQuietly(pid);
    throw e;
  }
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
