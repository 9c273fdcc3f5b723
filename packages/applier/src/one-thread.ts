/**
 * Work that needs a thread of the target but not a stopped process (system calls that map
 * or unmap the patch, IFUNC resolvers): one thread is stopped while the others keep running,
 * so none of it counts as time the process is frozen.
 */
import { TscareError } from '@tscare/errors';
import { PF_X, PT_LOAD } from '@tscare/elf';
import { PAGE } from './holes.js';
import type { MappedObject } from './objects.js';
import { PTRACE_DETACH, type SysApi } from './sys.js';
import { awaitStop, listTasks, requestStop, type FrozenThread } from './threads.js';

export function withOneThread<T>(sys: SysApi, pid: number, fn: (thread: FrozenThread) => T): T {
  // The leader first; any other thread if the leader has exited (its threads live on).
  for (const tid of [pid, ...listTasks(pid).filter((t) => t !== pid)]) {
    if (!requestStop(sys, pid, tid)) continue;
    const thread = awaitStop(sys, tid);
    if (!thread) continue;
    try {
      return fn(thread);
    } finally {
      sys.ptrace(PTRACE_DETACH, tid, 0, thread.pendingSignal, ['ESRCH']);
    }
  }
  throw new TscareError('PROCESS_NOT_FOUND', `process ${pid} has no thread left to run system calls in`);
}

/**
 * Where the stub of injected code may go while other threads run: the bytes between the end
 * of an executable segment and the end of its last page. They are mapped r-x but belong to no
 * function, so no running thread can be executing them.
 */
export function stubSite(objects: readonly MappedObject[], len: number): number {
  for (const o of objects) {
    for (const ph of o.elf.programHeaders) {
      if (ph.p_type !== PT_LOAD || (ph.p_flags & PF_X) === 0) continue;
      const end = o.bias + ph.p_vaddr + ph.p_filesz;
      const pageEnd = Math.ceil(end / PAGE) * PAGE;
      const vma = o.vmas.find((v) => end >= v.start && end + len <= v.end);
      if (pageEnd - end >= len && vma && vma.perms[2] === 'x') return end;
    }
  }
  throw new TscareError('NO_STUB_SITE', 'no executable page of the process has room after its code for a 3-byte stub', {
    hint: 'the process was not touched; please report this with /proc/PID/maps',
  });
}
