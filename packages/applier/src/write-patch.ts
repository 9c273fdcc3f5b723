/**
 * The part of applying and removing a patch that happens while every thread is stopped:
 * map, copy, save the old bytes, write the jumps, protect; or put the bytes back and unmap.
 */
import { TscareError } from '@tscare/errors';
import { HUNK_SIZE } from './layout.js';
import type { ProcMem } from './proc-mem.js';
import type { PatchPlan } from './plan.js';
import { remoteSyscall, remoteSyscallChecked, SYS_MMAP, SYS_MPROTECT, SYS_MUNMAP, type RemoteContext } from './remote-exec.js';
import type { KpatchInfoEntry } from '@tscare/kpatch';

const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
/** Fails with EEXIST instead of replacing a mapping that appeared after we chose the hole. */
const MAP_FIXED_NOREPLACE = 0x100000;

export function jumpBytes(from: number, to: number): Buffer {
  const b = Buffer.alloc(HUNK_SIZE);
  b[0] = 0xe9;
  b.writeInt32LE(to - from - HUNK_SIZE, 1);
  return b;
}

function isNew(e: KpatchInfoEntry): boolean {
  return e.daddr === 0 && e.dlen === 0;
}

function mapAt(rc: RemoteContext, base: number, size: number): void {
  const r = remoteSyscall(rc, SYS_MMAP, [base, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0]);
  if (r === BigInt(base)) return;
  if (r >= 0n) remoteSyscall(rc, SYS_MUNMAP, [r, size]); // an old kernel took NOREPLACE as a hint
  throw new TscareError('REMOTE_MMAP_FAILED', `mmap of ${size} bytes at 0x${base.toString(16)} in pid ${rc.thread.tid} failed (${r < 0n ? `errno ${-r}` : `got 0x${r.toString(16)}`})`, {
    hint: 'the address space changed while we were preparing; try again',
  });
}

/** Restores the saved bytes of the first `count` jumps of a plan (undo of a partial apply). */
function restoreJumps(mem: ProcMem, plan: PatchPlan, count: number): void {
  const { base, layout, info } = plan.linked;
  info.slice(0, count).forEach((e, i) => {
    if (!isNew(e)) mem.write(e.daddr, mem.read(base + layout.userUndo + i * HUNK_SIZE, HUNK_SIZE));
  });
}

export function applyFrozen(rc: RemoteContext, plan: PatchPlan): void {
  const { mem } = rc;
  const { base, layout, image, info } = plan.linked;
  mapAt(rc, base, layout.totalMemSize);
  let jumped = 0;
  try {
    mem.write(base, image);
    for (const [i, e] of info.entries()) {
      if (!isNew(e)) {
        mem.write(base + layout.userUndo + i * HUNK_SIZE, mem.read(e.daddr, HUNK_SIZE));
        mem.write(e.daddr, jumpBytes(e.daddr, e.saddr));
      }
      jumped = i + 1;
    }
    protect(rc, base, layout.codeEnd, layout.totalMemSize);
  } catch (e) {
    restoreJumps(mem, plan, jumped);
    remoteSyscall(rc, SYS_MUNMAP, [base, layout.totalMemSize]);
    throw e;
  }
}

/** Header, jump table and code become r-x (how applied patches are recognised); data stays rw-. */
function protect(rc: RemoteContext, base: number, codeEnd: number, total: number): void {
  const page = 4096;
  const front = codeEnd - (codeEnd % page);
  if (front > 0) remoteSyscallChecked(rc, 'mprotect', SYS_MPROTECT, [base, front, PROT_READ | PROT_EXEC]);
  if (front !== codeEnd && front < total) {
    // Code and data share a page (a patch without a page-aligned .kpatch.data): it must be both.
    remoteSyscallChecked(rc, 'mprotect', SYS_MPROTECT, [base + front, page, PROT_READ | PROT_WRITE | PROT_EXEC]);
  }
}

/** Puts back the original bytes of every replaced function and unmaps the patch. */
export function removeFrozen(rc: RemoteContext, base: number, undo: number, total: number, info: readonly KpatchInfoEntry[]): void {
  info.forEach((e, i) => {
    if (!isNew(e)) rc.mem.write(e.daddr, rc.mem.read(base + undo + i * HUNK_SIZE, HUNK_SIZE));
  });
  remoteSyscallChecked(rc, 'munmap', SYS_MUNMAP, [base, total]);
}
