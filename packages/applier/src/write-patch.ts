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

/** The first bytes of each replaced function now (undefined for new functions). */
export function currentEntries(mem: ProcMem, info: readonly KpatchInfoEntry[]): (Buffer | undefined)[] {
  return info.map((e) => (isNew(e) ? undefined : mem.read(e.daddr, HUNK_SIZE)));
}

/**
 * Puts back the saved bytes (`undo`, by info index) of every replaced function that jumps to
 * this patch now (`current`), and only those: after an interrupted commit some functions jump
 * and some do not.
 */
function removeJumps(mem: ProcMem, info: readonly KpatchInfoEntry[], undo: readonly Buffer[], current: readonly (Buffer | undefined)[]): void {
  let removed = 0;
  info.forEach((e, i) => {
    if (!current[i]?.equals(jumpBytes(e.daddr, e.saddr))) return;
    mem.write(e.daddr, undo[i]);
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
  // What each undo slot holds: the staged bytes, or those rewritten below.
  const undo = [...staged];
  try {
    mem.write(base, MAGIC_PENDING);
    faultPoint('patch:pending');
    let jumped = 0;
    for (const [i, e] of info.entries()) {
      if (isNew(e)) continue;
      const now = mem.read(e.daddr, HUNK_SIZE);
      if (!now.equals(staged[i])) {
        mem.write(base + layout.userUndo + i * HUNK_SIZE, now);
        undo[i] = now;
      }
      mem.write(e.daddr, jumpBytes(e.daddr, e.saddr));
      if (++jumped === 1) faultPoint('patch:between-jumps');
    }
    faultPoint('patch:jumps-written');
    mem.write(base, MAGIC_APPLIED);
    faultPoint('patch:committed');
  } catch (e) {
    removeJumps(mem, info, undo, currentEntries(mem, info));
    mem.write(base, MAGIC_STAGED);
    throw e;
  }
}

/**
 * Puts back the original bytes of every replaced function, under the "pending" marker, and
 * leaves the mapping "retired": no jump leads into it, but its code and data may have been
 * used, so it stays mapped (see applied.ts). Also how the next run rolls back a pending leftover.
 */
export function revertFrozen(mem: ProcMem, base: number, info: readonly KpatchInfoEntry[], undo: readonly Buffer[], current: readonly (Buffer | undefined)[]): void {
  mem.write(base, MAGIC_PENDING);
  faultPoint('unpatch:pending');
  removeJumps(mem, info, undo, current);
  mem.write(base, MAGIC_RETIRED);
  faultPoint('unpatch:reverted');
}
