/**
 * The part of applying and removing a patch that happens while every thread is stopped:
 * only plain memory writes (undo slots, 5-byte jumps, the header magic), no system call.
 */
import { HUNK_SIZE } from './layout.js';
import type { ProcMem } from './proc-mem.js';
import type { PatchPlan } from './plan.js';
import { MAGIC_SIZE } from './stage-patch.js';
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

/** Restores the saved bytes of the first `count` jumps of a plan (undo of a partial apply). */
function restoreJumps(mem: ProcMem, plan: PatchPlan, count: number): void {
  const { base, layout, info } = plan.linked;
  info.slice(0, count).forEach((e, i) => {
    if (!isNew(e)) mem.write(e.daddr, mem.read(base + layout.userUndo + i * HUNK_SIZE, HUNK_SIZE));
  });
}

/**
 * Writes the jumps, then the magic that marks the patch applied. The undo slots were filled
 * when the patch was staged (`staged`: the bytes seen then); a function whose bytes changed
 * since (another patcher) gets its slot rewritten.
 */
export function commitFrozen(mem: ProcMem, plan: PatchPlan, staged: readonly Buffer[]): void {
  const { base, layout, image, info } = plan.linked;
  let jumped = 0;
  try {
    for (const [i, e] of info.entries()) {
      if (!isNew(e)) {
        const now = mem.read(e.daddr, HUNK_SIZE);
        if (!now.equals(staged[i])) mem.write(base + layout.userUndo + i * HUNK_SIZE, now);
        mem.write(e.daddr, jumpBytes(e.daddr, e.saddr));
      }
      jumped = i + 1;
    }
    mem.write(base, image.subarray(0, MAGIC_SIZE));
  } catch (e) {
    restoreJumps(mem, plan, jumped);
    throw e;
  }
}

/** Puts back the original bytes of every replaced function and clears the magic; the caller unmaps. */
export function revertFrozen(mem: ProcMem, base: number, undo: number, info: readonly KpatchInfoEntry[]): void {
  info.forEach((e, i) => {
    if (!isNew(e)) mem.write(e.daddr, mem.read(base + undo + i * HUNK_SIZE, HUNK_SIZE));
  });
  mem.write(base, Buffer.alloc(MAGIC_SIZE));
}
