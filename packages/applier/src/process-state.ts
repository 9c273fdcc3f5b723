/**
 * Refusals decided from /proc/PID/status before a process is touched: a zombie has nothing
 * to patch, and a process another debugger holds cannot be stopped by us (only one tracer
 * per thread). A stopped (SIGSTOP) process is patched and left stopped: the group stop is
 * still in effect when we detach, so the kernel puts it back.
 */
import fs from 'node:fs';
import { TscareError } from '@tscare/errors';

interface TaskStatus {
  state: string;
  tracerPid: number;
}

function readStatus(path: string): TaskStatus | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone: the callers report that in their own words
  }
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
  return { state: field('State').charAt(0), tracerPid: Number(field('TracerPid')) || 0 };
}

function commOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'gone';
  }
}

/** The refusal for a thread another tracer holds (also used when PTRACE_SEIZE says EPERM). */
export function alreadyTraced(pid: number, tid: number, tracer: number): TscareError {
  const thread = tid === pid ? '' : ` (thread ${tid})`;
  return new TscareError('PROCESS_ALREADY_TRACED', `process ${pid}${thread} is already traced by pid ${tracer} (${commOf(tracer)})`, {
    hint: `detach that debugger (strace, gdb, another tscare-ctl) and try again; process ${pid} was not touched`,
  });
}

/** True when a thread has exited (a zombie thread, or gone): PTRACE_SEIZE says EPERM for those. */
export function threadGone(pid: number, tid: number): boolean {
  const st = readStatus(`/proc/${pid}/task/${tid}/status`);
  return !st || st.state === 'Z' || st.state === 'X';
}

/** The tracer of a thread, 0 when none (or when the thread is gone). */
export function tracerOf(pid: number, tid: number): number {
  return readStatus(`/proc/${pid}/task/${tid}/status`)?.tracerPid ?? 0;
}

/** Throws PROCESS_ZOMBIE for a process that has exited but is not reaped yet. */
export function checkNotZombie(pid: number): void {
  const leader = readStatus(`/proc/${pid}/status`);
  if (!leader || (leader.state !== 'Z' && leader.state !== 'X')) return;
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    // a process that vanished is reported by the caller
  }
  // A leader that called pthread_exit is a zombie too, but its other threads run on.
  if (tasks.length > 1) return;
  throw new TscareError('PROCESS_ZOMBIE', `process ${pid} is a zombie: it has exited and its parent has not reaped it yet; there is nothing to patch`, {
    hint: 'nothing to do; the process is gone',
  });
}

/**
 * Throws PROCESS_ALREADY_TRACED when a debugger holds the process, before anything is done
 * to it (PTRACE_SEIZE would fail later with a bare EPERM, and a before-hook would have run).
 */
export function checkNotTraced(pid: number): void {
  const tracer = tracerOf(pid, pid);
  if (tracer !== 0) throw alreadyTraced(pid, pid, tracer);
}

/** Errors that mean "the process, or the address space we opened, is no longer there". */
const LOST_CODES = new Set(['PROC_MEM_READ', 'PROC_MEM_WRITE', 'REMOTE_EXEC_DIED', 'PTRACE_NO_THREAD', 'PROCESS_NOT_FOUND']);

/**
 * Explains a failure caused by the target exiting or calling execve while we worked on it.
 * Our /proc/PID/mem descriptor stays bound to the address space it was opened on, so after an
 * exec every read or write through it fails before anything is done to the new program: the
 * failure is the detection, and nothing needs undoing (the old address space is gone).
 * `probe` reads a byte that was mapped when we looked; any other error is returned as it is.
 */
export function explainLost(pid: number, doing: string, probe: () => void, e: unknown): unknown {
  if (!(e instanceof TscareError) || !LOST_CODES.has(e.code)) return e;
  const status = readStatus(`/proc/${pid}/status`);
  if (!status || status.state === 'Z' || status.state === 'X') {
    return new TscareError('PROCESS_EXITED', `process ${pid} exited while being ${doing}`, {
      hint: 'nothing to undo: its memory is gone with it', cause: e,
    });
  }
  try {
    probe();
  } catch {
    return new TscareError('PROCESS_EXECED', `process ${pid} called execve while being ${doing}: the program the patch was for is gone, and the new one was not touched`, {
      hint: 'patch the new program (with a patch built for it) once it has settled', cause: e,
    });
  }
  return e;
}
