/**
 * The part of applying a patch done before the freeze, with one thread stopped: map the
 * patch, copy its bytes, protect it. The header's magic says "staged" (`applied.ts`) until
 * the freeze commits the patch, so a staged mapping is never taken for an applied patch, and
 * one left behind by a killed run is recognised and unmapped by the next.
 */
import { TscareError } from '@tscare/errors';
import type { PatchPlan } from './plan.js';
import { remoteSyscall, remoteSyscallChecked, SYS_MMAP, SYS_MPROTECT, SYS_MUNMAP, type RemoteContext } from './remote-exec.js';
import { PAGE } from './holes.js';
import { HUNK_SIZE } from './layout.js';
import { MAGIC_SIZE, MAGIC_STAGED } from './applied.js';
import { faultPoint } from './fault.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
/** Fails with EEXIST instead of replacing a mapping that appeared after we chose the hole. */
const MAP_FIXED_NOREPLACE = 0x100000;

function mapAt(rc: RemoteContext, base: number, size: number): void {
  const r = remoteSyscall(rc, SYS_MMAP, [base, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0]);
  if (r === BigInt(base)) return;
  if (r >= 0n) remoteSyscall(rc, SYS_MUNMAP, [r, size]); // an old kernel took NOREPLACE as a hint
  throw new TscareError('REMOTE_MMAP_FAILED', `mmap of ${size} bytes at 0x${base.toString(16)} in pid ${rc.thread.tid} failed (${r < 0n ? `errno ${-r}` : `got 0x${r.toString(16)}`})`, {
    hint: 'the address space changed while we were preparing; try again',
  });
}

/** Header, jump table and code become r-x (how applied patches are recognised); data stays rw-. */
function protect(rc: RemoteContext, base: number, codeEnd: number, total: number): void {
  const front = codeEnd - (codeEnd % PAGE);
  if (front > 0) remoteSyscallChecked(rc, 'mprotect', SYS_MPROTECT, [base, front, PROT_READ | PROT_EXEC]);
  if (front !== codeEnd && front < total) {
    // Code and data share a page (a patch without a page-aligned .kpatch.data): it must be both.
    remoteSyscallChecked(rc, 'mprotect', SYS_MPROTECT, [base + front, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC]);
  }
}

/**
 * Maps and fills the patch; the undo slots get the functions' current first bytes, which
 * the freeze only has to confirm. Returns those bytes by info index (empty for new functions).
 */
export function stagePatch(rc: RemoteContext, plan: PatchPlan): Buffer[] {
  const { base, layout, image, info } = plan.linked;
  const staged = Buffer.from(image);
  MAGIC_STAGED.copy(staged, 0, 0, MAGIC_SIZE);
  const old = info.map((e, i) => {
    if (e.daddr === 0 && e.dlen === 0) return Buffer.alloc(0);
    const bytes = rc.mem.read(e.daddr, HUNK_SIZE);
    bytes.copy(staged, layout.userUndo + i * HUNK_SIZE);
    // Writing the same bytes back makes the kernel copy the code page now (copy-on-write),
    // not during the freeze; a thread running there sees no change.
    rc.mem.write(e.daddr, bytes);
    return bytes;
  });
  mapAt(rc, base, layout.totalMemSize);
  try {
    rc.mem.write(base, staged);
    faultPoint('patch:code-written');
    protect(rc, base, layout.codeEnd, layout.totalMemSize);
  } catch (e) {
    remoteSyscall(rc, SYS_MUNMAP, [base, layout.totalMemSize]);
    throw e;
  }
  return old;
}

/** Unmaps a staged patch that was not committed, or a patch whose jumps were removed. */
export function unmapPatch(rc: RemoteContext, base: number, size: number): void {
  remoteSyscallChecked(rc, 'munmap', SYS_MUNMAP, [base, size]);
}
