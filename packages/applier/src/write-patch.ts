/**
 * The part of applying and removing a patch that happens while every thread is stopped:
 * only plain memory writes (undo slots, 5-byte jumps, the header marker), no system call.
 */
import { HUNK_SIZE } from './layout.js';
import type { ProcMem } from './proc-mem.js';
import type { PatchPlan } from './plan.js';
import { MAGIC_APPLIED, MAGIC_PENDING, MAGIC_RETIRED, MAGIC_STAGED } from './applied.js';
import { faultPoint } from './fault.js';
import type { KpatchInfoEntry } from '@tscare/kpatch';

export function jumpBytes(from: number, to: number): Buffer {
  const b = Buffer.alloc(HUNK_SIZE);
  b[0] = 0xe9;
  b.writeInt32LE(to - from - HUNK_SIZE, 1);
  return b;
}

function isNew(e: KpatchInfoEntry): boolean {
  return e.daddr === 0 && e.dlen === 0;
}

/**
 * Puts back the saved bytes of every replaced function that jumps to this patch now, and
 * only those: after an interrupted commit some functions jump and some do not.
 */
function removeJumps(mem: ProcMem, base: number, undo: number, info: readonly KpatchInfoEntry[]): void {
  let removed = 0;
  info.forEach((e, i) => {
    if (isNew(e) || !mem.read(e.daddr, HUNK_SIZE).equals(jumpBytes(e.daddr, e.saddr))) return;
    mem.write(e.daddr, mem.read(base + undo + i * HUNK_SIZE, HUNK_SIZE));
    if (++removed === 1) faultPoint('unpatch:between-jumps');
  });
}

/**
 * The commit: the marker says "pending" while the jumps are written and "applied" once all
 * are (one 8-byte write each way). A run killed in between leaves "pending", which the next
 * run rolls back (`leftovers.ts`). The undo slots were filled when the patch was staged
 * (`staged`: the bytes seen then); a function whose bytes changed since (another patcher)
 * gets its slot rewritten before its jump.
 */
export function commitFrozen(mem: ProcMem, plan: PatchPlan, staged: readonly Buffer[]): void {
  const { base, layout, info } = plan.linked;
  try {
    mem.write(base, MAGIC_PENDING);
    faultPoint('patch:pending');
    let jumped = 0;
    for (const [i, e] of info.entries()) {
      if (isNew(e)) continue;
      const now = mem.read(e.daddr, HUNK_SIZE);
      if (!now.equals(staged[i])) mem.write(base + layout.userUndo + i * HUNK_SIZE, now);
      mem.write(e.daddr, jumpBytes(e.daddr, e.saddr));
      if (++jumped === 1) faultPoint('patch:between-jumps');
    }
    faultPoint('patch:jumps-written');
    mem.write(base, MAGIC_APPLIED);
    faultPoint('patch:committed');
  } catch (e) {
    removeJumps(mem, base, layout.userUndo, info);
    mem.write(base, MAGIC_STAGED);
    throw e;
  }
}

/**
 * Puts back the original bytes of every replaced function, under the "pending" marker, and
 * leaves the mapping "retired": no jump leads into it, but its code and data may have been
 * used, so it stays mapped (see applied.ts). Also how the next run rolls back a pending leftover.
 */
export function revertFrozen(mem: ProcMem, base: number, undo: number, info: readonly KpatchInfoEntry[]): void {
  mem.write(base, MAGIC_PENDING);
  faultPoint('unpatch:pending');
  removeJumps(mem, base, undo, info);
  mem.write(base, MAGIC_RETIRED);
  faultPoint('unpatch:reverted');
}
